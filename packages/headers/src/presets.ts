/** The two header presets: `api` for JSON responses, `page` for HTML pages. */
export type SecurityHeadersPreset = 'api' | 'page';

/** CSP directives: kebab-case names (`script-src`), each a list of sources. */
export type CspDirectives = Readonly<Record<string, readonly string[]>>;

/**
 * The placeholder a `page` policy's nonce is written as while helmet renders it; the rendered
 * value is split there once and joined with a fresh nonce per response.
 */
export const NONCE_SLOT = 'RAMPART-NONCE-SLOT';

/**
 * A JSON API loads nothing, runs nothing and is never framed: a response rendered as a document
 * by mistake (an HTML error page, a sniffed upload) can do nothing.
 */
const API_DIRECTIVES: CspDirectives = Object.freeze({
  'default-src': ["'none'"],
  'frame-ancestors': ["'none'"],
});

/**
 * A page runs the app's own scripts and styles, and inline ones only with this response's nonce:
 * no `'unsafe-inline'`, no `'unsafe-eval'`. Nothing else is loaded from another origin, the page
 * is never framed, `<base>` cannot redirect its relative URLs and forms post only to the app.
 */
const PAGE_DIRECTIVES: CspDirectives = Object.freeze({
  'default-src': ["'self'"],
  'base-uri': ["'none'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'", `'nonce-${NONCE_SLOT}'`],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", `'nonce-${NONCE_SLOT}'`],
});

/** The CSP directives each preset starts from. */
export const PRESET_DIRECTIVES: Readonly<Record<SecurityHeadersPreset, CspDirectives>> =
  Object.freeze({ api: API_DIRECTIVES, page: PAGE_DIRECTIVES });

/**
 * Features a page of an API's app never needs, all turned off (`feature=()`): a script injected
 * despite the CSP, or a framed ad, cannot reach the camera, the location or a payment sheet.
 */
export const DEFAULT_PERMISSIONS_POLICY: Readonly<Record<string, readonly string[]>> =
  Object.freeze({
    accelerometer: [],
    autoplay: [],
    camera: [],
    'display-capture': [],
    'encrypted-media': [],
    fullscreen: [],
    geolocation: [],
    gyroscope: [],
    magnetometer: [],
    microphone: [],
    midi: [],
    payment: [],
    'picture-in-picture': [],
    'publickey-credentials-get': [],
    'screen-wake-lock': [],
    'sync-xhr': [],
    usb: [],
    'xr-spatial-tracking': [],
  });
