/** Base class of every error digits raises on purpose; the CLI prints its message as one `error:` line. */
export class DigitsError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A data file (IDX, npy/npz, CSV, image) is malformed or inconsistent. The message starts with the file. */
export class DataFormatError extends DigitsError {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`, 'E_DATA_FORMAT');
  }
}

/** A model file is malformed, or uses something digits does not support. The message starts with the file. */
export class ModelFormatError extends DigitsError {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`, 'E_MODEL_FORMAT');
  }
}

/** Bad command-line or API arguments. */
export class UsageError extends DigitsError {
  constructor(message: string) {
    super(message, 'E_USAGE');
  }
}
