import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/** The members' web client, served by the web role at /home and /web/* (assets under /web/assets/). */
export default defineConfig({
  root: import.meta.dirname,
  base: '/web/',
  logLevel: 'warn',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
  build: {
    // tests build into a directory of their own
    outDir: process.env.SUBSPACE_CLIENT_OUT_DIR ?? 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // the page's Content-Security-Policy allows no inline script, and every browser it targets preloads modules
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
