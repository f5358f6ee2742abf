import { ConclaveError } from '../../domain/errors.js';

/** ioredis rejects a command past `commandTimeout` with this message. */
export function isCommandTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
}

/** What went wrong with a Redis command, in words an operator reads. */
export function redisProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message === 'Command timed out') return 'no answer within the command deadline';
  if (message.startsWith("Stream isn't writeable")) return 'not connected';
  return message;
}

/**
 * Runs one Redis operation, turning a Redis failure (timeout, disconnect, refused) into QUEUE_UNAVAILABLE;
 * Conclave errors pass through unchanged.
 * @throws ConclaveError QUEUE_UNAVAILABLE
 */
export async function redisCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ConclaveError) throw error;
    throw new ConclaveError('QUEUE_UNAVAILABLE', `${what}: Redis failed: ${redisProblem(error)}`, { operation: what }, { cause: error });
  }
}
