/** Vite's `?url` import: the file is emitted as an extension asset and its URL returned [vite docs, "Explicit URL imports"]. */
declare module 'pdfjs-dist/legacy/build/pdf.worker.min.mjs?url' {
  const url: string;
  export default url;
}
