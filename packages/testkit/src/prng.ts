// Seeded randomness for simulations and fixtures: the same seed, the same world, everywhere.
export { createPrng, type Prng } from '@edge/services-mock';
