import { defineConformanceSuite } from '@loopbench/contract/conformance';

defineConformanceSuite(new URL('..', import.meta.url));
