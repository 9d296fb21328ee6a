// TLS for the shop host: a cert-manager Certificate, or the Secret holding the certificate the
// operator issued (selfSigned). Mode `secret` uses the user's Secret as is; `none` renders nothing.

import type { Storefront } from '../api/types.ts';
import { RETAIN_ANNOTATION } from './credentials.ts';
import { frontDoorHosts } from './front-door.ts';
import type { RenderInputs } from './inputs.ts';
import * as k8s from './k8s.ts';
import { labels, names } from './names.ts';
import type { Objects } from './objects.ts';

/** When the leaf certificate in a selfSigned TLS Secret expires (read by status). */
export const NOT_AFTER_ANNOTATION = 'storefront.dev/not-after';

export function renderTls(out: Objects, sf: Storefront, inputs: RenderInputs): void {
  const n = names(sf);
  const tls = sf.spec.ingress.tls;
  const meta = (name: string) => ({ name, labels: labels(sf, 'tls', 'storefront-tls', 'v1') });
  if (tls.mode === 'certManager') {
    out.addCustom({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(n.certificate),
      spec: {
        secretName: n.tlsSecret,
        dnsNames: frontDoorHosts(sf),
        issuerRef: { group: 'cert-manager.io', kind: tls.issuerRef!.kind, name: tls.issuerRef!.name },
        duration: '2160h',
        renewBefore: '720h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        secretTemplate: { labels: meta(n.tlsSecret).labels },
      },
    });
  } else if (tls.mode === 'selfSigned' && inputs.tls) {
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    if (inputs.tls.caPrivateKey) {
      // The CA outlives leaf renewals (and, with deletionPolicy Retain, the Storefront).
      out.add(k8s.Secret, {
        metadata: {
          ...meta(n.tlsCa),
          ...(sf.spec.deletionPolicy === 'Retain' ? { annotations: { [RETAIN_ANNOTATION]: 'true' } } : {}),
        },
        type: 'Opaque',
        data: { 'ca.crt': b64(inputs.tls.caCertificate), 'ca.key': b64(inputs.tls.caPrivateKey) },
      });
    }
    out.add(k8s.Secret, {
      metadata: {
        ...meta(n.tlsSecret),
        ...(inputs.tls.notAfter ? { annotations: { [NOT_AFTER_ANNOTATION]: inputs.tls.notAfter } } : {}),
      },
      type: 'kubernetes.io/tls',
      data: {
        'tls.crt': b64(inputs.tls.certificate),
        'tls.key': b64(inputs.tls.privateKey),
        'ca.crt': b64(inputs.tls.caCertificate),
      },
    });
  }
}
