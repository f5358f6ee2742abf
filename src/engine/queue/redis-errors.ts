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
 * Conclave errors pass through unchanged. With `timeoutMs` the operation as a whole is given up on after that
 * long: a BullMQ call waits for its connection to be ready, which no command deadline bounds.
 * @throws ConclaveError QUEUE_UNAVAILABLE
 */
export async function redisCall<T>(what: string, fn: () => Promise<T>, timeoutMs?: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const work = fn();
    if (timeoutMs === undefined) return await work;
    // A late failure of the abandoned operation must not surface as an unhandled rejection.
    work.catch(() => {});
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Command timed out')), timeoutMs);
    });
    return await Promise.race([work, late]);
  } catch (error) {
    if (error instanceof ConclaveError) throw error;
    throw new ConclaveError('QUEUE_UNAVAILABLE', `${what}: Redis failed: ${redisProblem(error)}`, { operation: what }, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
