/** HTTP reason phrases, as OpenStack puts them in fault titles. */
export const reasons: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 409: 'Conflict', 410: 'Gone', 412: 'Precondition Failed', 413: 'Request Entity Too Large',
  415: 'Unsupported Media Type', 416: 'Requested Range Not Satisfiable', 422: 'Unprocessable Entity',
  500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};
