// The console's build: one entry, every page a chunk of its own (router.ts imports them lazily),
// so the first paint loads only the shell and the page it lands on (make bench-console).
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npm run dev` beside `make run`: the API stays on the gateway, same origin through the proxy.
    proxy: { '/api': 'http://127.0.0.1:8000' },
  },
})
