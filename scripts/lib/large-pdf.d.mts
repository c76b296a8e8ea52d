/** Types of large-pdf.mjs (a plain .mjs so the bench runs without a TypeScript step). */
export function writeLargePdf(path: string, dataBytes: number, options: { sparse: boolean; text?: string; textAt?: string }): number;
