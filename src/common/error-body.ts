/** The JSON body of every error the gateway answers. */
export interface ErrorBody {
  error: string;
  message: string;
  requestId: string;
  code?: string;
  hint?: string;
  [extra: string]: unknown;
}
