// Every error the package raises is a CleanmatchError with a stable `code` (see
// docs/interfaces.md "## JS API" for the list); errors from the wasm core arrive as
// plain objects {code, message} from workers and are rebuilt here.

export class CleanmatchError extends Error {
  /**
   * @param {string} code stable, machine-readable
   * @param {string} message readable, never contains identifiers or keys
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'CleanmatchError';
    this.code = code;
  }
}

/** Rebuilds an error posted by a worker (structured clone drops the class). */
export function fromWire(error) {
  const err = new CleanmatchError(error?.code ?? 'internal', error?.message ?? 'unknown error');
  if (typeof error?.index === 'number') err.index = error.index;
  return err;
}
