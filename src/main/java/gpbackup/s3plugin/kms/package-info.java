/**
 * The optional KMS envelope of the sealed format (spec/sealed-format.md, "Envelope (KMS)"): AWS KMS's
 * {@code GenerateDataKey} and {@code Decrypt}, and when to call them. How the rest of the plugin uses it:
 *
 * <pre>{@code
 * KmsClient kms = KmsClient.forRegion(region, System::getenv, credentials, clock, httpFor); // S3's proxy and trust
 * KmsKeys keys = new KmsKeys(kms, cseKmsKeyId);   // backup: one per process or agent call
 *
 * // backup: one GenerateDataKey for the call, its key and envelope in every object's header
 * KmsClient.DataKey dataKey = keys.sealingKey("backup " + timestamp);
 * SealedHeader header = SealedHeader.fresh(frameSize, dataKey.key().fingerprint(), dataKey.envelope(), random);
 * SealingInputStream sealed = new SealingInputStream(stdin, header, dataKey.key(), baseName);
 *
 * // restore: one Decrypt per distinct envelope (the KmsKeys may live as long as the agent)
 * SealedHeader header = SealedHeader.parse(firstBytes, baseName);
 * ObjectOpener opener = ObjectOpener.of(header, keys.open(header.envelope(), baseName), baseName);
 * }</pre>
 */
package gpbackup.s3plugin.kms;
