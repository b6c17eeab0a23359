// Vite's `?inline` import of a fixture: its bytes as a data: URL (fetch it in Node or the browser).
declare module '*.wasm?url&inline' {
  const url: string
  export default url
}
