// Content-Type guessing by file extension, for PUTs without a Content-Type (Swift's proxy uses
// Python's mimetypes.guess_type). The common part of that table.
const TYPES: Record<string, string> = {
  txt: 'text/plain', text: 'text/plain', log: 'text/plain', conf: 'text/plain', csv: 'text/csv', md: 'text/markdown',
  html: 'text/html', htm: 'text/html', css: 'text/css', js: 'text/javascript', mjs: 'text/javascript',
  json: 'application/json', xml: 'application/xml', yaml: 'application/yaml', yml: 'application/yaml',
  pdf: 'application/pdf', zip: 'application/zip', gz: 'application/gzip', tgz: 'application/gzip', tar: 'application/x-tar',
  bz2: 'application/x-bzip2', xz: 'application/x-xz', '7z': 'application/x-7z-compressed', iso: 'application/x-iso9660-image',
  img: 'application/octet-stream', qcow2: 'application/octet-stream', bin: 'application/octet-stream', exe: 'application/x-msdownload',
  sh: 'application/x-sh', py: 'text/x-python', c: 'text/plain', h: 'text/plain',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', bmp: 'image/bmp', svg: 'image/svg+xml',
  ico: 'image/vnd.microsoft.icon', tif: 'image/tiff', tiff: 'image/tiff', webp: 'image/webp',
  mp3: 'audio/mpeg', wav: 'audio/x-wav', ogg: 'audio/ogg', mp4: 'video/mp4', mpeg: 'video/mpeg', mov: 'video/quicktime',
  webm: 'video/webm', avi: 'video/x-msvideo', doc: 'application/msword', xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint', rtf: 'application/rtf', wasm: 'application/wasm',
};

export function guessContentType(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return 'application/octet-stream';
  return TYPES[base.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}
