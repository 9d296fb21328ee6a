import { describe, expect, it } from 'vitest';
import { escapeHtml, formatMoney, html, raw } from './html.ts';

describe('html', () => {
  it('when values are interpolated, then markup characters are escaped', () => {
    const name = `<img src=x onerror="alert('1')">&\``;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;&#96;">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;&#96;</p>',
    );
  });

  it('when nested templates, arrays and empty values are interpolated, then only trusted markup passes through', () => {
    const items = ['<a>', 'b'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${raw('<hr>')}`.value).toBe(
      '<ul><li>&lt;a&gt;</li><li>b</li></ul><hr>',
    );
    expect(escapeHtml('plain')).toBe('plain');
  });

  it('when cents are formatted, then they show as currency', () => {
    expect(formatMoney(1999, 'USD')).toBe('$19.99');
    expect(formatMoney(0, 'USD')).toBe('$0.00');
    expect(formatMoney(123456789, 'EUR')).toBe('€1,234,567.89');
  });
});
