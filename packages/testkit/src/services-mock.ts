// services-mock pieces that tests of other packages use: a real provider to call, and seeded
// randomness (the same seed, the same world, everywhere).
export { createPrng, type Prng, type ServicesMock, startServicesMock } from '@edge/services-mock';
