// Koa with @koa/router, as their READMEs write an app: the floor for the koa server's per-request cost.
import http from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { announce } from './ready.mjs';

const app = new Koa();
const router = new Router();
router.get('/hello', (ctx) => {
  ctx.body = 'Hello';
});
app.use(router.routes());
announce(http.createServer(app.callback()), 'koa (minimal)');
