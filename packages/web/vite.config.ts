import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by the Lifeguard server under a strict Content-Security-Policy
// (script-src 'self', no inline code, no third-party hosts), so the build emits only external
// files. `npm run dev -w @lifeguard/web` is not provided: build and run `npm start`.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // No inlined data: URLs for assets (keeps the CSP simple) and a modern target.
    assetsInlineLimit: 0,
    target: 'es2022',
    modulePreload: { polyfill: false },
  },
});
