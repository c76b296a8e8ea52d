/** What every host handler may use: the shared TokenService (created on first use) and the logger. */
import type { TokenService } from '../token/token-service.js';
import type { Logger } from '../transport/logger.js';

export interface HandlerContext {
  tokens(): TokenService;
  readonly logger: Logger;
}
