// The policy engine: the oslo.policy rule language, defaults in code, operator overrides.

export { PolicyError, checkToString, parseCheckString, type Check } from './parser.ts';
export { evaluate, type EvaluationEnv, type PolicyCreds, type PolicyTarget } from './checks.ts';
export { credentialsFromContext, type PolicyContext, type PolicyCredentials, type TokenCreds } from './credentials.ts';
export {
  Enforcer, PolicyNotRegistered,
  type EnforcerOptions, type RuleDefault, type RuleInfo, type RuleOperation, type ScopeType,
} from './enforcer.ts';
export { parsePolicyFile, readPolicyFile } from './policy-file.ts';
