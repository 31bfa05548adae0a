import { describeReadModelContract } from './read-model-contract';
import { newRedis } from './test-redis';

describeReadModelContract('single redis', newRedis);
