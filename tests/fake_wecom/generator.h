// --generate customers=N,members=M,seed=S: a corp whose customers match the generated CRM
// export row for row (/tmp/team/data-contract.md, "Identities of generated data"):
//   profile i = 1..N: external_userid "wmC" + (1000000+i); k = i % 10
//     k 0..5: unionid "oUC1000007"; k 6..7: relationship state "C1000007";
//     k 8: remark_mobiles ["+86 138-0000-0007"]; k 9: nothing to match on
//   followed by staff((i-1)%M+1), createtime 1700000000 + i*60; if i%5==0 also by
//   staff(i%M+1), createtime + 86400 (skipped when M == 1: it would be the same member)
//   plus N/20 customers "wmX" + 7 digits with no profile. Members "staff001".."staffM".
// Names and genders come from the seed; everything else is fixed by i.
#pragma once

#include <string>

#include "flags.h"
#include "world.h"

namespace segsync::fake {

void Generate(World& world, const GenerateSpec& spec);

// "staff" + 3-digit number: MemberId(7) == "staff007".
std::string MemberId(int n);

}  // namespace segsync::fake
