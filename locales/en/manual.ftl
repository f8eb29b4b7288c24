### The manual change of SPEC §6 (seed 003), step by step.

step-backup-downgrade = Back up the data in { $services } first: { $target } lacks or lowers { $count ->
    [one] it
   *[other] them
}.
step-backup-one-way = Back up the customer's data first: moving from { $source } to { $target } changes service family and cannot be undone.
step-cancel-elsewhere = Have the customer cancel { $subscriptions } there first.
step-elsewhere-subscription = { $offer } subscription { $id } (bought through { $channel })
step-custom-domain = Remove the custom domain before the change and add it again afterwards; its services are unavailable in between.
step-use-existing = Use the existing { $target } subscription { $id }: it has { $free ->
    [one] 1 free license
   *[other] { $free } free licenses
}, so { $to_buy ->
    [0] no more are needed
   *[other] buy { $to_buy } more
}.
step-buy = Buy { $count ->
    [one] 1 license
   *[other] { $count } licenses
} of { $target } for the same organisation ({ $customer }).
step-check-active = Check that both the { $source } and the { $target } subscriptions are listed and active.
step-reassign = { $users ->
    [one] Reassign the license of the 1 user of { $source } to { $target }.
   *[other] Reassign the licenses of the { $users } users of { $source } to { $target } (all of them, or only some).
}
step-reassign-assigned-seats = Reassign the licenses of the { $users } users of { $source } to { $target } (all of them, or only some): { $assigned } seats are assigned, but user records exist for only { $records } of them.
step-add-on-ends = Note that { $add_ons } cannot be attached to { $target } and { $count ->
    [one] ends
   *[other] end
} with the old subscription.
step-cancel-source = Cancel the { $source } subscription, or remove its unused licenses if only some users moved.
step-cancel-source-elsewhere = Cancel the { $source } subscription through { $channel }, or remove its unused licenses there if only some users moved.
