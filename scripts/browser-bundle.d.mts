/** See browser-bundle.mjs. */
export function bundleForBrowser(source: string, options?: { minify?: boolean }): Promise<{
  code: string;
  /** Every file the bundle was built from, relative to the app's project directory. */
  inputs: string[];
  /** What the output still imports (nothing, when everything resolved and was bundled). */
  imports: Array<{ path: string; kind: string; external?: boolean }>;
}>;
