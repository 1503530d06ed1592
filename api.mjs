// `import { Runtime } from 'runts'` (ESM): the CommonJS API, re-exported.
import api from './build/api/index.js';

export const { Runtime, Container, RuntsError, defaultSpec, exitStatus } = api;
export default api;
