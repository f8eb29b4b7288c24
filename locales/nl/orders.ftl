### Het migratierapport (SPEC §5, seed 004 stap 4): wat er na de upgrade voor
### één gebruikersaccount moet gebeuren.

report-sign-in-blocked = Hef de aanmeldblokkering van de gebruiker op, zodat die het nieuwe abonnement kan gebruiken.
report-license-not-moved = Wijs de gebruiker een licentie toe van het nieuwe abonnement op { $target }.
report-service-reset = { $service } was voor deze gebruiker uitgeschakeld en wordt in { $target } ingeschakeld; schakel de service opnieuw uit als die uit moet blijven.
report-overlapping-license = De gebruiker krijgt { $service } ook via { $offer } ({ $subscription }); kies welke licentie de service levert en schakel die in de andere uit.
