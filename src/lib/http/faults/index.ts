// One fault renderer per API style: turns a CloudError into the status, body and content
// type that style's clients expect. Adding a style is one small file plus a line here.
import type { CloudError } from '../../errors.ts';
import { keystoneFault } from './keystone.ts';
import { novaFault } from './nova.ts';
import { neutronFault } from './neutron.ts';
import { placementFault } from './placement.ts';
import { glanceFault } from './glance.ts';
import { swiftFault } from './swift.ts';

export interface RenderedFault { status: number; body: string; contentType: string }
export type FaultRenderer = (err: CloudError) => RenderedFault;

export const faultStyles = {
  keystone: keystoneFault,
  nova: novaFault, // also Cinder and Heat
  neutron: neutronFault,
  placement: placementFault,
  glance: glanceFault,
  swift: swiftFault,
} satisfies Record<string, FaultRenderer>;
export type FaultStyle = keyof typeof faultStyles;

export { reasons } from './reasons.ts';
