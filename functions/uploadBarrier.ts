import { StorageGatewayFileUploadEvent } from '../contracts/events/storage-gateway.ts';
import { recordUploadBarrier } from './landing/recordUploadBarrier.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';

/** Rule `gateway-upload-barrier` ("Storage Gateway File Upload Event") → {@link recordUploadBarrier}. */
export const handler = lambdaHandler(async (event) => recordUploadBarrier(await services(), event), StorageGatewayFileUploadEvent);
