import { oneWarden } from './one-warden.js';

oneWarden(12);
