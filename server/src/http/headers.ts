import type { ServerResponse } from 'node:http';

/**
 * Security headers on every response. The dashboard runs only our own scripts; inline style attributes
 * are allowed (Vue and ECharts set them). Pages may be framed by nobody, except the portal widget
 * (`/widget`), which the portals named in EMBED_ORIGINS may frame. HSTS only when we serve TLS.
 */
export interface HeaderOptions {
  /** Origins of portals allowed to frame the widget ("https://www.example.gov.cn"). */
  embedOrigins: readonly string[];
  tls: boolean;
}

const BASE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
];

export function setSecurityHeaders(res: ServerResponse, pathname: string, options: HeaderOptions): void {
  const widget = pathname === '/widget' || pathname.startsWith('/widget/');
  const ancestors = widget ? ["'self'", ...options.embedOrigins].join(' ') : "'none'";
  res.setHeader('content-security-policy', [...BASE_CSP, `frame-ancestors ${ancestors}`].join('; '));
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'strict-origin-when-cross-origin');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  if (!widget) res.setHeader('x-frame-options', 'DENY');
  if (options.tls) res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
}
