// The managed database's roles. The official Postgres image makes POSTGRES_USER the bootstrap
// superuser; the shop must not log in as it (a superuser can `COPY … TO PROGRAM`, i.e. run
// commands in the database container). So, as the CloudNativePG mode does, the app gets its own
// role that owns the shop's database and nothing else, and the superuser is used only by this
// bootstrap step, which runs before every migration:
//   - it creates the app role if missing and (re)sets its password from its Secret — idempotent,
//     so it works on a fresh data directory and on one created by an earlier version (the image
//     runs /docker-entrypoint-initdb.d only on first init, so that cannot be the place);
//   - it makes the app role the owner of the database and hands it every object that earlier
//     versions created as the superuser (tables with their sequences and indexes, views,
//     functions, types in schema public): existing installs move over with their data.

import type { Storefront } from '../api/types.ts';
import { POSTGRES_APP_ROLE, POSTGRES_DB, POSTGRES_USER } from './credentials.ts';
import type * as k8s from './k8s.ts';
import { names } from './names.ts';
import { postgresImage } from './postgres.ts';

/** psql script; the values come from the environment (\getenv, psql 15+), never from the command line. */
export const BOOTSTRAP_SQL = String.raw`\set ON_ERROR_STOP on
\getenv app_role APP_ROLE
\getenv app_password APP_PASSWORD
\getenv app_database PGDATABASE
SELECT format('CREATE ROLE %I', :'app_role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \gexec
ALTER ROLE :"app_role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
ALTER DATABASE :"app_database" OWNER TO :"app_role";
SELECT format('ALTER %s %I.%I OWNER TO %I',
    CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
      WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
    n.nspname, c.relname, :'app_role')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND c.relowner <> :'app_role'::regrole
   AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d
         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
           AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
\gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'app_role')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND p.proowner <> :'app_role'::regrole
\gexec
SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, :'app_role')
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r', 'm') AND t.typowner <> :'app_role'::regrole
\gexec
`;

/** Waits for the server (the Job may start before Postgres), then runs the script as the superuser. */
export const BOOTSTRAP_COMMAND = [
  'sh',
  '-c',
  'until pg_isready -q; do sleep 2; done; printf "%s\\n" "$BOOTSTRAP_SQL" | psql -X -q -f -',
];

/** The init container of the migration Job (managed mode): Postgres' own image, for its psql. */
export function roleBootstrapContainer(sf: Storefront, securityContext: k8s.SecurityContext): k8s.Container {
  const n = names(sf);
  return {
    name: 'bootstrap-roles',
    image: postgresImage(sf),
    imagePullPolicy: 'IfNotPresent',
    command: BOOTSTRAP_COMMAND,
    env: [
      { name: 'PGHOST', value: n.postgres },
      { name: 'PGPORT', value: '5432' },
      { name: 'PGDATABASE', value: POSTGRES_DB },
      { name: 'PGUSER', value: POSTGRES_USER },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: n.postgresCredentials, key: 'password' } } },
      { name: 'PGSSLMODE', value: 'disable' },
      { name: 'PGCONNECT_TIMEOUT', value: '5' },
      { name: 'APP_ROLE', value: POSTGRES_APP_ROLE },
      {
        name: 'APP_PASSWORD',
        valueFrom: { secretKeyRef: { name: n.postgresAppCredentials, key: 'password' } },
      },
      { name: 'BOOTSTRAP_SQL', value: BOOTSTRAP_SQL },
    ],
    resources: {
      requests: { cpu: '10m', memory: '32Mi', 'ephemeral-storage': '8Mi' },
      limits: { cpu: '500m', memory: '128Mi', 'ephemeral-storage': '64Mi' },
    },
    securityContext,
  };
}
