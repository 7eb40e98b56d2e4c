// Creates buckets/containers on the test servers with the official SDK clients (bucket creation
// is not part of labelstream's BlobStore contract).

import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { Storage } from '@google-cloud/storage';

export async function createS3Bucket(endpoint: string, bucket: string): Promise<void> {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
}

export async function createGcsBucket(endpoint: string, bucket: string): Promise<void> {
  await new Storage({ apiEndpoint: endpoint, projectId: 'test' }).createBucket(bucket);
}

export async function createAzureContainer(connectionString: string, container: string): Promise<void> {
  await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container).create();
}
