### The migration report (SPEC §5, seed 004 step 4): what to do for one user
### account after the upgrade.

report-sign-in-blocked = Unblock the user's sign-in so they can use the new plan.
report-license-not-moved = Assign the user a license of the new { $target } subscription.
report-service-reset = { $service } was switched off for this user and is switched on in { $target }; switch it off again if it should stay off.
report-overlapping-license = The user also gets { $service } from { $offer } ({ $subscription }); choose which license provides it and switch it off in the other.
