import { httpHeaders, type Credentials } from './credentials.js';

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}
export interface GraphQLResult<T> {
  data?: T | null;
  errors?: GraphQLErrorShape[];
}

/** The request did not get a GraphQL answer (offline, server down, proxy error): safe to retry. */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

/**
 * One query or mutation over HTTP. Resolves with the GraphQL answer (which may carry coded errors);
 * rejects with NetworkError only when no answer arrived, so callers know a retry is safe to consider.
 */
export async function request<T>(
  query: string,
  variables: Record<string, unknown> = {},
  credentials: Credentials = {},
  signal?: AbortSignal,
): Promise<GraphQLResult<T>> {
  let res: Response;
  try {
    res = await fetch('/graphql', { method: 'POST', headers: httpHeaders(credentials), body: JSON.stringify({ query, variables }), signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new NetworkError(err instanceof Error ? err.message : String(err));
  }
  return graphqlAnswer<T>(res);
}

/** The GraphQL answer in an HTTP response (also of a request started by the HTML's boot script); NetworkError when there is none. */
export async function graphqlAnswer<T>(res: Response): Promise<GraphQLResult<T>> {
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) throw new NetworkError(`HTTP ${res.status}`);
  try {
    return (await res.json()) as GraphQLResult<T>;
  } catch {
    throw new NetworkError(`HTTP ${res.status}: the answer was cut off`);
  }
}

/** The error code of a GraphQL answer, if it failed. */
export function errorCode(result: GraphQLResult<unknown>): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}
