import { afterAll } from 'vitest';
import { removeTempDirs } from './helpers/formats.js';

// Each test file leaves no temporary directories behind.
afterAll(removeTempDirs);
