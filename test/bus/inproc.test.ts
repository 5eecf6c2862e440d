// The bus conformance suite on the in-process transport. Each test gets its own broker, shared
// by the buses it opens (as the all-in-one shares one between its services).

import { createInprocBroker } from '../../src/lib/bus/index.ts';
import { busConformance } from './conformance.ts';

busConformance('inproc://', { scope: () => ({ inprocBroker: createInprocBroker() }) });
