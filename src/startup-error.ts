import { isConclaveError } from './domain/errors.js';

interface SystemError {
  readonly code?: string;
  readonly port?: number;
  readonly address?: string;
  readonly hostname?: string;
  readonly message?: string;
}

/**
 * One line for an operator, never a stack trace: what failed and what to change. Conclave's own errors say it
 * with their code; the socket errors `listen` raises are translated (port taken, host unknown or not local).
 */
export function describeStartupError(error: unknown): string {
  if (isConclaveError(error)) return `${error.code}: ${error.message}`;
  const e = (error ?? {}) as SystemError;
  switch (e.code) {
    case 'EADDRINUSE':
      return `port ${e.port ?? '?'} is in use${e.address ? ` on ${e.address}` : ''}; set PORT=... or stop the other process`;
    case 'EACCES':
      return `no permission to listen on port ${e.port ?? '?'}; set PORT to 1024 or above`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST=${e.hostname ?? '?'} does not resolve (${e.code}); set HOST to an address of this machine, e.g. 127.0.0.1 or 0.0.0.0`;
    case 'EADDRNOTAVAIL':
      return `HOST=${e.address ?? '?'} is not an address of this machine; set HOST to one of its addresses, e.g. 127.0.0.1 or 0.0.0.0`;
    default: {
      const message = e.message ?? String(error);
      return e.code ? `${e.code}: ${message}` : message;
    }
  }
}
