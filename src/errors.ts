// One error type per kind of mistake, each carrying a message that names what is wrong (which
// tensor, which row, which field). Everything the library throws on purpose is a SparseSSNetError.

export class SparseSSNetError extends Error {
  /** Machine-readable kind, stable across versions. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The event (coordinates, features, batch, spatial size) is not valid for the model. */
export class InvalidInputError extends SparseSSNetError {
  constructor(message: string) { super("INVALID_INPUT", message); }
}

/** A weights file or tensor is missing, extra, mis-shaped, of the wrong dtype or corrupt. */
export class InvalidWeightsError extends SparseSSNetError {
  constructor(message: string) { super("INVALID_WEIGHTS", message); }
}

/** A model configuration does not validate. */
export class InvalidConfigError extends SparseSSNetError {
  constructor(message: string) { super("INVALID_CONFIG", message); }
}

/** The engine could not get the memory an event needs. */
export class OutOfMemoryError extends SparseSSNetError {
  constructor(message: string) { super("OUT_OF_MEMORY", message); }
}

/** A kernel failed in a way validation should have prevented: a bug, reported with its context.
 *  The engine stays usable: it then checks every loaded model's weights against their checksum
 *  taken at load, and a model the failure wrote over refuses to run (ModelDamagedError) until it
 *  is unloaded and loaded again. */
export class EngineFault extends SparseSSNetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ENGINE_FAULT", message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** The model's weights were overwritten by an earlier kernel failure (see EngineFault). */
export class ModelDamagedError extends SparseSSNetError {
  constructor(message: string) { super("MODEL_DAMAGED", message); }
}
