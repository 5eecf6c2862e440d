// Neutron's exceptions as CloudErrors: the status of their base class and their class name in
// kwargs.type, so the neutron fault renderer produces the body Neutron's clients parse
// ({"NeutronError": {"type": "NetworkNotFound", "message": …}}). Messages are neutron-lib's.
import { BadRequest, CloudError, Conflict, Forbidden, NotFound, PreconditionFailed } from '../../lib/errors.ts';

const typed = <T extends CloudError>(err: T): T => err;

export const notFound = (type: string, message: string) => typed(new NotFound(message, { type }));
export const conflict = (type: string, message: string) => typed(new Conflict(message, { type }));
export const badRequest = (type: string, message: string) => typed(new BadRequest(message, { type }));

/** webob's HTTPBadRequest: what the API layer raises for malformed bodies and attributes. */
export const httpBadRequest = (message: string) => badRequest('HTTPBadRequest', message);
/** neutron_lib InvalidInput. */
export const invalidInput = (message: string, type = 'InvalidInput') => badRequest(type, `Invalid input for operation: ${message}.`);
/** neutron_lib BadRequest: 'Bad <resource> request: <msg>.' */
export const badResourceRequest = (resource: string, msg: string) => badRequest('BadRequest', `Bad ${resource} request: ${msg}.`);
export const policyNotAuthorized = (rule: string) => typed(new Forbidden(`(rule:${rule}) is disallowed by policy`, { type: 'PolicyNotAuthorized', action: rule }));
export const overQuota = (resources: string[]) => conflict('OverQuota', `Quota exceeded for resources: [${resources.map((r) => `'${r}'`).join(', ')}].`);
export const revisionMismatch = (expected: number, current: number) => typed(new PreconditionFailed(
  `Constrained revision mismatch: the current revision is ${current}, the expected revision is ${expected}.`, { type: 'RevisionNumberConstraintFailed' }));

export const networkNotFound = (id: string) => notFound('NetworkNotFound', `Network ${id} could not be found.`);
export const subnetNotFound = (id: string) => notFound('SubnetNotFound', `Subnet ${id} could not be found.`);
export const portNotFound = (id: string) => notFound('PortNotFound', `Port ${id} could not be found.`);
export const routerNotFound = (id: string) => notFound('RouterNotFound', `Router ${id} could not be found.`);
export const floatingIpNotFound = (id: string) => notFound('FloatingIPNotFound', `Floating IP ${id} could not be found`);
export const securityGroupNotFound = (id: string) => notFound('SecurityGroupNotFound', `Security group ${id} does not exist`);
export const ruleNotFound = (id: string) => notFound('SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`);
export const subnetPoolNotFound = (id: string) => notFound('SubnetPoolNotFound', `Subnet pool ${id} could not be found.`);
export const rbacNotFound = (id: string) => notFound('RbacPolicyNotFound', `RBAC policy of type network with ID ${id} not found`);
export const agentNotFound = (id: string) => notFound('AgentNotFound', `Agent ${id} could not be found.`);

export const ipGenerationFailure = (netId: string) => conflict('IpAddressGenerationFailure', `No more IP addresses available on network ${netId}.`);
export const ipAlreadyAllocated = (ip: string, subnetId: string) => conflict('IpAddressAlreadyAllocated', `IP address ${ip} already allocated in subnet ${subnetId}`);
export const macInUse = (netId: string, mac: string) => conflict('MacAddressInUse', `Unable to complete operation for network ${netId}. The mac address ${mac} is in use.`);
export const invalidIpForSubnet = (ip: string) => badRequest('InvalidIpForSubnet', `IP address ${ip} is not a valid IP for the specified subnet.`);
export const invalidIpForNetwork = (ip: string) => badRequest('InvalidIpForNetwork', `IP address ${ip} is not a valid IP for any of the subnets on the specified network.`);
