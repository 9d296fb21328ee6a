// Certificates for the local control plane, made with the openssl CLI (ECDSA P-256: fast to
// generate, accepted by every component).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type CertPaths = { cert: string; key: string };

function openssl(args: string[], cwd: string): void {
  const res = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (res.error)
    throw new Error(`openssl is required to make the cluster certificates: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`openssl ${args[0]} failed: ${res.stderr}`);
}

/** `/CN=x/O=a/O=b` with the characters openssl treats specially escaped. */
function subject(cn: string, orgs: readonly string[]): string {
  const esc = (s: string) => s.replace(/[\\/,=+]/g, (c) => `\\${c}`);
  return `/CN=${esc(cn)}${orgs.map((o) => `/O=${esc(o)}`).join('')}`;
}

/** `openssl req` arguments for a new unencrypted P-256 key in `key`, and `out` (a CSR with -new, a self-signed certificate with -x509). */
function newP256Key(mode: '-new' | '-x509', key: string, out: string): string[] {
  return [
    'req',
    mode,
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    out,
  ];
}

export function ensureCa(pkiDir: string): CertPaths {
  mkdirSync(pkiDir, { recursive: true });
  const paths = { cert: join(pkiDir, 'ca.crt'), key: join(pkiDir, 'ca.key') };
  if (existsSync(paths.cert) && existsSync(paths.key)) return paths;
  openssl(
    [
      ...newP256Key('-x509', paths.key, paths.cert),
      '-days',
      '3650',
      '-subj',
      '/CN=storefront-local-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    ],
    pkiDir,
  );
  return paths;
}

/** Issues a leaf certificate signed by the CA in `pkiDir` (serverAuth+clientAuth). */
export function issueCert(
  pkiDir: string,
  name: string,
  opts: { cn: string; orgs?: readonly string[]; sans?: readonly string[] },
): CertPaths {
  const ca = ensureCa(pkiDir);
  const paths = { cert: join(pkiDir, `${name}.crt`), key: join(pkiDir, `${name}.key`) };
  const csr = join(pkiDir, `${name}.csr`);
  const ext = join(pkiDir, `${name}.ext`);
  openssl([...newP256Key('-new', paths.key, csr), '-subj', subject(opts.cn, opts.orgs ?? [])], pkiDir);
  const lines = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth,clientAuth',
  ];
  if (opts.sans?.length) lines.push(`subjectAltName=${opts.sans.join(',')}`);
  writeFileSync(ext, `${lines.join('\n')}\n`);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-days',
      '3650',
      '-extfile',
      ext,
      '-out',
      paths.cert,
    ],
    pkiDir,
  );
  rmSync(csr, { force: true });
  rmSync(ext, { force: true });
  return paths;
}

/** The key pair the API server signs service-account tokens with. */
export function ensureServiceAccountKeys(pkiDir: string): { privateKey: string; publicKey: string } {
  const paths = { privateKey: join(pkiDir, 'sa.key'), publicKey: join(pkiDir, 'sa.pub') };
  if (existsSync(paths.privateKey) && existsSync(paths.publicKey)) return paths;
  openssl(
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', paths.privateKey],
    pkiDir,
  );
  openssl(['pkey', '-in', paths.privateKey, '-pubout', '-out', paths.publicKey], pkiDir);
  return paths;
}

/** A kubeconfig with the certificates embedded, so it can be copied anywhere. */
export function kubeconfigYaml(opts: {
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  user: string;
  cluster?: string;
}): string {
  const b64 = (path: string) => readFileSync(path).toString('base64');
  const cluster = opts.cluster ?? 'storefront-local';
  const context = `${opts.user}@${cluster}`;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${cluster}`,
    '  cluster:',
    `    server: ${opts.server}`,
    `    certificate-authority-data: ${b64(opts.caCert)}`,
    'users:',
    `- name: ${JSON.stringify(opts.user)}`,
    '  user:',
    `    client-certificate-data: ${b64(opts.clientCert)}`,
    `    client-key-data: ${b64(opts.clientKey)}`,
    'contexts:',
    `- name: ${JSON.stringify(context)}`,
    '  context:',
    `    cluster: ${cluster}`,
    `    user: ${JSON.stringify(opts.user)}`,
    `current-context: ${JSON.stringify(context)}`,
    '',
  ].join('\n');
}
