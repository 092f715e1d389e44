// AppError: what every layer throws for a failure a client should see, with a stable code; the HTTP layer turns it into problem+json.

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

export const notFound = (what: string): AppError => new AppError('not_found', 404, `${what} not found`);
