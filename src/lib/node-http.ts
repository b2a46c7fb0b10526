/**
 * node:http's functions, taken without its ES module namespace: `import { createServer } from
 * 'node:http'` makes Node build the namespace, which reads every export, and reading node:http's
 * lazy WebSocket, CloseEvent and MessageEvent loads undici (~12 MB of memory in each process that
 * does it; no role uses them). Types still come from `import type … from 'node:http'`.
 */
export const { createServer, request } = process.getBuiltinModule('node:http');
