// Generated README sections live between `<!-- NAME:start -->` and `<!-- NAME:end -->`.
export function readSection(text: string, name: string): string | undefined {
  const m = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(text);
  return m?.[1];
}

export function replaceSection(text: string, name: string, body: string): string {
  if (readSection(text, name) === undefined)
    throw new Error(`README.md has no <!-- ${name}:start --> … <!-- ${name}:end --> section`);
  return text.replace(
    new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`),
    `$1${body}$2`,
  );
}
