package gpbackup.s3plugin.s3;

import java.util.List;

/**
 * What the store proved of one written object: each option of the policy against its report,
 * after the lock was applied anew where the store had ignored it on creation.
 *
 * @param proofs      one per option asked for, in the policy's order
 * @param lockApplied whether the retention had to be set afterwards (PutObjectRetention)
 * @param info        the object as the last HEAD saw it
 */
public record StorageConfirmation(List<OptionProof> proofs, boolean lockApplied, ObjectInfo info) {
    public StorageConfirmation {
        proofs = List.copyOf(proofs);
    }

    /** The options the store did not apply. */
    public List<OptionProof> unkept() {
        return proofs.stream().filter(proof -> !proof.kept()).toList();
    }
}
