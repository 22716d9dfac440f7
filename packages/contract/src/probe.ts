// Only declaration.ts still imports the models from here; delete this file once it imports model.js.
export { MODELS, type Model } from './model.js';
