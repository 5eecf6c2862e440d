// Keystone-compatible Fernet tokens: the formatter, its key repositories, audit ids.
export { auditId, createTokenFormatter } from './token-formatter.ts';
export type { DecodedToken, TokenFormatter, TokenFormatterOptions } from './token-formatter.ts';
export type { TokenPayload } from './payloads.ts';
export { PAYLOAD_VERSIONS } from './payloads.ts';
export { DEFAULT_AUTH_METHODS } from './payload-fields.ts';
export { createInMemoryKeyRepo, DEFAULT_MAX_ACTIVE_KEYS, planRotation } from './key-repository.ts';
export type { FernetKeyRepository, RotationPlan } from './key-repository.ts';
export { createDirectoryKeyRepo, defaultKeyRepoDir } from './key-repository-dir.ts';
export type { DirectoryKeyRepoOptions } from './key-repository-dir.ts';
export { generateFernetKey } from './fernet.ts';
