export interface StaticServer {
  /** http://localhost:<port> */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}
/** Serve folders: routes map a URL prefix ("/", "/sdk/") to a folder. */
export function startStaticServer(options: {
  routes: Record<string, string>; port?: number; host?: string;
  /** Serve https with this PEM key and certificate. */
  tls?: { key: string; cert: string };
  /** Host name to put in `url` (e.g. a name the browser maps to 127.0.0.1). */
  publicHost?: string;
}): Promise<StaticServer>;
