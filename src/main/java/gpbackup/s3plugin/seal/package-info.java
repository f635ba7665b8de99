/**
 * Client-side encryption, pure: the sealed object format of spec/sealed-format.md, with nothing of S3, gpbackup
 * or the config. What the rest of the plugin uses:
 *
 * <pre>{@code
 * // keys: once per call
 * KeyRing ring = KeySources.fromFile(path);                     // or fromEnvironment(name, System::getenv)
 *
 * // upload: wrap the plaintext stream; the parts are read from the sealed stream as before
 * SealingInputStream sealed = SealingInputStream.seal(stdin, ring, baseName, frameSize, secureRandom);
 *
 * // download: the header (first SealedHeader.lengthFrom(...) bytes), the key, then per range the frames
 * ObjectOpener opener = ObjectOpener.of(SealedHeader.parse(firstBytes, baseName), ring, baseName);
 * FrameSpan span = opener.span(sealedLength, from, to);         // or opener.whole(sealedLength)
 * try (OpeningOutputStream sink = opener.sink(span, stdout)) {   // one per span (or per piece of span.split)
 *     // write the sealed bytes [span.sealedStart(), span.sealedEnd()) into sink, in order, any chunking
 * }
 * }</pre>
 */
package gpbackup.s3plugin.seal;
