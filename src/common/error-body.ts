import { STATUS_CODES } from 'node:http';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  request_id: string;
}

export const GENERIC_500_MESSAGE = 'Internal server error';

export function errorBody(statusCode: number, message: string | string[], requestId: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, request_id: requestId };
}
