// The framework baseline for the shop benchmark: an Express 5 hello world with the same body as the
// bare node:http server, same Node, same machine. The shop is Express too, so this is its ceiling.
import express from 'express';

const body = JSON.stringify({ hello: 'world' });
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/', (_req, res) => {
  res.type('application/json').send(body);
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
