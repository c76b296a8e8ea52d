export interface StaticServer {
  /** http://localhost:<port> */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}
/** Serve folders: routes map a URL prefix ("/", "/sdk/") to a folder. */
export function startStaticServer(options: { routes: Record<string, string>; port?: number; host?: string }): Promise<StaticServer>;
