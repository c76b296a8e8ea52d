/**
 * Run SDK calls inside a portal page as its own script would: the e2e and security tests that sign documents
 * (Chromium through Playwright, Firefox through Puppeteer) and the fault and load tests share this one runner.
 */

/** A page of either driver: both evaluate a string expression in the page. */
interface EvaluatingPage {
  evaluate(expression: string): Promise<unknown>;
}

/**
 * Run `body` in the page with `sdk` (dist/sdk/kyso.js), `file(name)` (a Blob from /files/) and `b64` in scope,
 * without awaiting it (a consent window may need handling meanwhile). A KysoError comes back as
 * `{ error: code, details, at }` with `at` = Date.now() when the page saw it (same clock as the test). The code is
 * passed as a string: vitest would rewrite an import() inside a function.
 */
export function startInPage(page: EvaluatingPage, body: string): Promise<any> {
  return page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    const file = async (name) => await (await fetch('/files/' + name)).blob();
    const b64 = (bytes) => sdk.toBase64(bytes);
    try { return await (async () => { ${body} })(); }
    catch (error) { return { error: error.code ?? String(error), details: error.details ?? null, at: Date.now() }; }
  })()`);
}
