//! The built-in rule tables: weighted terms per category, context groups, and exceptions.
//!
//! Spec syntax (parsed once at start-up by `rules.rs`):
//! - terms are comma-separated; a term may be several words ("severed head");
//! - a word ending in `*` also matches its verb/noun inflections (kill -> kills, killed, killing,
//!   killer); `+` matches plurals/possessives only; a bare word matches exactly;
//! - a lone `_` inside a phrase matches zero to two arbitrary words ("beat _ to death"), `__`
//!   zero to four;
//! - `except` lists words that, within three words of the match, mark it as benign
//!   ("killer whale", "shoot a basketball"); `@food`, `@sport`, ... stand for a whole
//!   benign-context class from [`CLASSES`].
//!
//! A category blocks when its score reaches 1: the weights of the distinct terms found plus
//! the weights of the pair rules that hold (two cue groups within a window). Groups with
//! weight 0 are context: they only count through the pair rules. A group with `needs` counts
//! only when a hit of that group is also in the prompt (intimate settings only matter for
//! sexual_minors when a minor is mentioned).

use super::names;
use super::policy::Category;
use Category::*;

pub struct Spec {
    pub category: Category,
    pub group: &'static str,
    pub weight: f32,
    pub terms: &'static str,
    pub except: &'static str,
    /// Groups (`a|b`) one of which must also be present for this group's weight to count.
    pub needs: &'static str,
}

const fn spec(
    category: Category,
    group: &'static str,
    weight: f32,
    terms: &'static str,
    except: &'static str,
) -> Spec {
    Spec {
        category,
        group,
        weight,
        terms,
        except,
        needs: "",
    }
}

/// A conditional cue group: its weight counts only when a `needs` group is present too.
const fn cspec(
    category: Category,
    group: &'static str,
    weight: f32,
    terms: &'static str,
    needs: &'static str,
) -> Spec {
    Spec {
        category,
        group,
        weight,
        terms,
        except: "",
        needs,
    }
}

/// Two groups (`a|b` = either) that must occur within `window` words of each other; adds
/// `weight` to `category`'s score (1.0 blocks on its own).
pub struct Pair {
    pub category: Category,
    pub a: &'static str,
    pub b: &'static str,
    pub window: usize,
    pub weight: f32,
    pub why: &'static str,
}

const fn pair(
    category: Category,
    a: &'static str,
    b: &'static str,
    window: usize,
    weight: f32,
    why: &'static str,
) -> Pair {
    Pair {
        category,
        a,
        b,
        window,
        weight,
        why,
    }
}

const HUMAN: &str =
    "man+, men, woman+, women, person+, people, persons, lady, ladies, guy+, couple+, \
    girl+, boy+, wife, wives, husband+, girlfriend+, boyfriend+, actress+, actor+, model+, \
    teacher+, student+, nurse+, cheerleader+, secretary, stepmom+, stepsister+, stepmother+, \
    milf+, him, her, them, someone, somebody, stranger+, victim+, hostage+, prisoner+, \
    soldier+, civilian+, crowd+, family, families, neighbor+, neighbour+, cop+, police, \
    officer+, protester+, worker+, classmate+, coworker+, passenger+, pedestrian+, shopper+, \
    villager+, tourist+, student+, mother+, father+, mom+, dad+, brother+, sister+, \
    grandma+, grandpa+, grandmother+, grandfather+, clerk+, cashier+, driver+, journalist+, \
    priest+, nun+, doctor+, patient+, waitress+, waiter+, jogger+, homeless, refugee+, \
    migrant+, immigrant+, president+, politician+, bystander+, hitchhiker+, rival+, \
    enemy, enemies, captive+, inmate+, guard+, teen+, teenager+, child, children, kid+, \
    baby, babies, toddler+, infant+, schoolgirl+, schoolboy+, his, hers, he, she, \
    dancer+, performer+, singer+, athlete+, swimmer+, runner+, bride+, groom+, celebrity, \
    celebrities, influencer+, housewife, housewives, maid+, babysitter+, stepdad+, stepfather+, \
    worshipper+, worshiper+, zookeeper+, pupil+, gymnast+, coworker+, colleague+, wife, captive+, \
    human+, humans, lover+, teammate+, boss+, landlord+, tenant+, student+, pilgrim+, reporter+, \
    kids, schoolkid+";

const MINOR: &str = "child, children, childs, kid+, kiddie+, kiddy, minor+, underage, toddler+, \
    preteen+, pre teen+, tween+, teen+, teenage, teenager+, schoolgirl+, schoolboy+, infant+, \
    baby, babies, loli+, shota+, juvenile+, pubescent, prepubescent, kindergartner+, \
    little girl+, little boy+, young girl+, young boy+, middle schooler+, grade schooler+, \
    elementary school, middle school, fifth grader+, sixth grader+, seventh grader+, \
    eighth grader+, daughter+, son+, niece+, nephew+, stepdaughter+, stepson+, boy scout+, \
    girl scout+, schoolchild, schoolchildren, youngster+, newborn+, little one+, \
    first grader+, second grader+, third grader+, fourth grader+, grade schooler+, \
    first grade, second grade, third grade, fourth grade, fifth grade, sixth grade, \
    seventh grade, eighth grade, ninth grade, grade school, gradeschooler+, kindergarten, \
    junior high, junior higher+, high schooler+, high school freshman, high school freshmen, \
    high school sophomore+, high school girl+, high school boy+, high school student+, \
    pupil+, young student+, elementary schooler+, elementary student+, schoolkid+, \
    school kid+, little kid+, young kid+, young teen+, young teenager+, child model+, \
    pre teenager+, underaged, not yet eighteen, not yet 18, barely legal, \
    preschooler+, pre schooler+, preschool, nursery school, kindergartener+, choirboy+, \
    choir boy+, altar boy+, altar girl+, cub scout+, brownie scout+, primary school, \
    primary schooler+, primary school uniform+, grade school uniform+, schoolyard, \
    runaway boy+, runaway girl+, runaway kid+, runaway teen+, foster child, foster kid+, \
    foster daughter+, foster son+, granddaughter+, grandson+, little sister+, little brother+, \
    kid sister+, kid brother+, baby sister+, baby brother+, baby teeth, milk teeth, \
    lost _ baby teeth, training wheels, sippy cup+, car seat+, bedtime story, \
    junior cheerleader+, youth group, youth league, under twelves, under 12s, under tens, \
    schoolboy+, schoolgirl+, boarding school boy+, boarding school girl+, young gymnast+, \
    child actor+, child actress+, child star+, minor+, adolescent+, pubescent+, \
    girl who _ not _ puberty, before puberty, hit puberty, just hit puberty, not even a teen, \
    too young to, barely a teen, barely thirteen, barely twelve, just turned thirteen, \
    just turned twelve, jailbait, small boy+, small girl+, small child, small children, \
    young child, young children, little child, in year one, in year two, in year three, \
    in year four, in year five, in year six, in year seven, in year eight, year six girl+, \
    year six boy+, year five girl+, year five boy+, first year pupil+, reception class";

const SEXUAL_ANY: &str = "sex, sexual, sexually, erotically, seductively, provocatively, sexy, sexualized, sexualised, nude+, nudity, \
    naked, porn+, porno+, pornographic, pornography, erotic, erotica, explicit, undress*, \
    undressed, lingerie, seductive, seductively, seduce*, intercourse, fondle*, molest*, \
    grope*, orgasm*, masturbat*, masturbate*, topless, bottomless, genital+, genitalia, \
    breast+, boob+, nipple+, panties, thong+, strip*, striptease, stripper+, aroused, horny, \
    making out, make out, sensual, intimate, lewd, provocative, \
    provocatively, suggestive, raunchy, lust*, lustful, rape*, penis+, vagina+, crotch, \
    fuck*, no clothes, without clothes, nothing on, \
    spread _ legs, onlyfans, fetish+, bdsm, bondage, \
    alluring, skimpy, see through, seethrough, sheer nightgown+, caress*, fondl*, \
    touch* under, touch* __ under, touched under, naked with, strok* _ leg+, strok* _ thigh+, under _ dress, up _ dress, down _ pants, \
    hand down _ pants, undo* _ belt, undoing _ belt, pants down, unzip*, take* off _ bra, \
    taking off _ bra, sheer slip+, filmed up close, twice _ age, touch* _ private, private parts, privates, skirt lifted, \
    lift* _ skirt, angled up, upskirt, without _ clothing, nothing but _ underwear, \
    nothing but _ briefs, nothing but _ panties, pinup, pin up, \
    revealing photo+, revealing picture+, revealing outfit+, revealing clothes, revealing pose+, \
    hand+ sliding, hand+ _ under _ leotard, hand+ _ under _ skirt, hand+ _ under _ shorts, \
    hand+ _ under _ shirt, take* off _ top, taking off _ top, took off _ top, \
    peel* off _ clothes, tear* off _ clothes, undressing each other, sexting, nudes, \
    nude pics, nude photos, pleasur* _ self, pleasur* himself, pleasur* herself, climax*, \
    moan*, steamy sex, bare bottom+, bare chest+ _ girl, kissing _ on the lips _ bed, \
    rubbing himself, rubs himself, rubbing herself, rubs herself, grind* _ against, press* himself against, pressing himself against, \
    bedroom games, naughty games, \
    take* off _ underwear, taking off _ underwear, took off _ underwear, pull* down _ underwear, \
    pulls down _ pants, pull* down _ pants, pull* down _ shorts, without _ underwear, \
    in _ underwear for, pose* naked, posing naked, \
    exposing himself, exposes himself, expose* himself, flash* _ himself, \
    unzip* _ fly, unzip* _ pants, unzip* _ trousers, unzip* _ robe, unbutton* _ pants, \
    sultry, seductive, sexualised, sexualized, spend the night _ bed, \
    in exchange for _ clothes, in exchange for _ photos, \
    in exchange for _ pictures, pictures she sells, photos he sells, sells _ photos, \
    explicit picture+, explicit photo+, explicit image+, explicit video+, indecent, \
    indecent photo+, indecent image+, obscene, inappropriate touching, touch* _ inappropriately, \
    touched _ inappropriately, inappropriate photo+, inappropriate picture+, \
    on _ lap _ bed, fondl*, grop*, sexual favour+, \
    sexual favor+, private games, pull* down __ underwear, hands _ inside _ clothes, under _ nightgown, \
    under _ pyjamas, under _ pajamas";

/// Every rule table, in no particular order.
pub const SPECS: &[Spec] = &[
    // ---- sexual content involving minors (always on) ----
    spec(SexualMinors, "minor", 0.0, MINOR, "mole rat"),
    spec(SexualMinors, "sexual_any", 0.0, SEXUAL_ANY,
        ""),
    spec(SexualMinors, "csam", 1.0,
        "pedo+, pedophile+, paedophile+, pedophilia, paedophilia, pedophilic, lolicon, shotacon, \
         jailbait, child porn, kiddie porn, kiddy porn, csam, pthc, child sexual abuse, \
         child abuse material, preteen model+, underage porn, underage sex, underage nude+, \
         minor nude+, teen porn, loli porn, loli hentai, shota hentai, child bride+, \
         child prostitut*, child prostitution, child sex, groom _ child, grooming _ child, \
         grooming _ children, grooms _ child",
        ""),
    // ---- sexual content ----
    spec(Sexual, "sex_strong", 1.0,
        "sex, \
         porn+, porno+, pornographic, pornography, nsfw, xxx, hentai, intercourse, orgasm*, \
         masturbate*, masturbation, masturbating, blowjob+, blow job+, handjob+, hand job+, \
         cumshot+, creampie+, genital+, genitalia, penis+, vagina+, vulva+, clitoris, erection+, \
         sex scene+, sex tape+, having sex, have sex, has sex, had sex, sex act+, sexual act+, \
         oral sex, anal sex, sexual intercourse, erotic, erotica, striptease, stripper+, \
         strip club+, strip tease, strips naked, nudity, full frontal, fellatio, cunnilingus, \
         sodomy, sodomize*, bukkake, gangbang+, gang bang+, threesome+, orgy, orgies, dildo+, \
         onlyfans, lap dance+, sex doll+, pornstar+, porn star+, camgirl+, cam girl+, \
         make love, making love, makes love, made love, fuck*, boob+, titties, tits, \
         bare breasts, exposed breasts, exposed genitals, rape*, raping, rapist+, gang rape*, \
         sexual assault, sexually assault*, molest*, cum, cumming, ejaculat*, ejaculate*, \
         nude+, in the nude, naked body, naked bodies, xrated, x rated, hardcore sex, \
         sex worker+, bdsm, sex position+, sexting, nude photo+, nude selfie+, \
         nude scene+, dick pic+, sexual pose+, sexually explicit, explicit sex, pussy, \
         cock+, cum, upskirt, downblouse, nipple slip+, wardrobe malfunction+",
        ""),
    spec(Sexual, "sex_weak", 0.5,
        "sexual, sexually, sexy, sexier, sexiest, naked, topless, bottomless, undress*, \
         undressed, unclothed, seductive, seductively, seduce*, lingerie, horny, aroused, \
         breast+, nipple+, explicit, lewd, raunchy, lust*, lustful, fetish+, bondage, \
         prostitute*, hooker+, whore+, slut+, slutty, escort+, strip*, stripped, stripping, \
         no clothes, without clothes, wearing nothing, nothing on, spread _ legs, thong+, \
         panties, provocative, provocatively, suggestive, sensual, sensually, erotically, \
         skinny dipping, skinny dip*, shirtless _ woman, bare chested _ woman, \
         takes off _ clothes, take off _ clothes, took off _ clothes, taking off _ clothes, \
         removes _ clothes, remove _ clothes, removing _ clothes, removes _ bra, removes _ top, \
         in bed together, grind* on, twerk*, booty, grope*, groping, feel* up, feeling up, spread* _ thighs, spread* _ legs, butt naked, bare butt, bare bottom+, \
         dominatrix, dominatrixes, call girl+, peep show+, pasties, \
         sensual massage+, erotic massage+, boudoir, unhook* _ bra, sugar daddy, \
         brothel+, pull* down __ underwear, pulling down __ underwear, touching themselves, \
         touch* themselves, stripping off, strip* off __ clothing, lace underwear, \
         lacy lingerie, bare backside, bare buttocks, bare behind, naked backside",
        ""),
    spec(Sexual, "nudity", 0.0,
        "naked, topless, bottomless, undress*, undressed, unclothed, no clothes, without clothes, \
         wearing nothing, nothing on, nude+, strip*, stripping, stripped, lingerie, \
         bare breasted",
        ""),
    spec(Sexual, "human", 0.0, HUMAN, ""),
    // ---- graphic violence ----
    spec(GraphicViolence, "gore", 1.0,
        "behead*, beheading, decapitate*, decapitation, dismember*, dismemberment, disembowel*, \
         eviscerate*, evisceration, mutilate*, mutilation, gore, gory, bloodbath, blood bath, \
         massacre*, mass shooting+, school shooting+, shooting spree+, genocide, severed head+, \
         severed limb+, severed arm+, severed leg+, severed finger+, chopped off head+, cut* off _ head+, chop* off _ head+, cut* _ head off, \
         chop* _ head off, gun to _ head, pistol to _ head, \
         slit _ throat, slits _ throat, slitting _ throat, cut* __ throat, eaten alive, \
         eats _ alive, eating _ alive, cut _ throat, cuts _ throat, \
         spurting blood, blood spurting, blood splatter*, splattered blood, blown off, \
         brains _ out, blows _ brains, burn* _ alive, burned _ alive, burnt _ alive, skin* _ alive, \
         skinned alive, buried alive, torture*, tortured, torturing, snuff film+, \
         shot in the head, shot in the face, shot in the chest, shot dead, gunned down, \
         gun down, guns down, shoot* _ in the head, shoot* _ in the face, shot _ in the head, \
         beat* _ to death, beaten _ to death, stab* _ to death, strangle* _ to death, \
         hacked _ to death, hack* _ to death, bludgeon*, execution style, public execution+, \
         firing squad, hanged _ man, lynching, lynched, crucify*, crucified, impale*, \
         guts spilling, spilling guts, entrails, disfigure*, mangled corpse+, \
         mangled body, mangled bodies, bloody corpse+, bodies piled, pile of corpses, \
         eye gouged, gouge* _ eye+, gouged out, ripped apart, torn apart limb, \
         terrorist attack+, suicide bomber+, suicide bombing+, car bomb* _ crowd, \
         blow* up _ crowd, bomb* _ school, shoots up _ school, shoot up _ school, \
         chainsaw _ through, bleeding out, bled out, headless body, headless corpse",
        "history historical documentary museum memorial remembrance lesson class prevention awareness @food @material @toy"),
    spec(GraphicViolence, "gore_weak", 0.5,
        "body parts, bomb*, to death, blood, bloody, bloodied, bleed*, bleeding, corpse+, dead body, dead bodies, murder*, \
         slaughter*, gruesome, gunshot wound+, stab wound+, wound*, entrail+, intestine+, \
         guts, carnage, maim*, mauled, brutal, brutally, savage beating, execution, execute*, \
         assassinate*, assassination, kill*, killing, stab*, shoot*, strangle*, lynch*, \
         slash*, butcher*, maul*, choke* _ to death, suffocate*",
        "stuffed zombie zombies halloween costume makeup prop props fake ketchup video game games"),
    spec(GraphicViolence, "violent_act", 0.0,
        "kill*, killing, murder*, shoot*, shooting, shot him, shot her, shot them, shot __ dead, \
         shot and killed, stab*, stabbing, slash*, strangle*, \
         behead*, execute*, slaughter*, massacre*, maim*, torture*, beat* __ to death, \
         beaten, bludgeon*, slit*{skirt dress gown eyes eye window opening envelope}, gun down, guns down, gunned down, hack* __ to pieces, \
         set* __ on fire, sets fire to, set fire to, burn* __ alive, dismember*, decapitate*, \
         mutilate*, assassinate*, lynch*, hanged, impale*, crush* __ skull, \
         smash* __ skull, cave* __ skull, stomp* __ head, curb stomp*, shoots at, fires at, \
         opens fire, open fire, opened fire, rape*, attack* __ with __ knife, \
         attack* __ with __ machete, attack* __ with __ axe, attack* __ with __ hammer, \
         knifes, knifed, throw* acid, pour* acid, acid on __ face, is shot, was shot, gets shot, got shot, \
         being shot, been shot, throws acid, acid attack+, \
         electrocute*, waterboard*, suffocate*, stone* __ to death, stoned to death, \
         flog*, punch* __ until, kick* __ until, beat* __ until, bleed* __ out, \
         cut* off, cut* open, slice* off, slice* open, sliced open, slit* open, hack* apart, \
         hack* off, hack* at, hack* into, chop* off, chop* up, rip* through, rip* off, \
         rip* apart, rip* open, rip* out, ripped out, tear* open, tear* apart, tear* off, \
         tear* through, tear* out, tear* __ apart, rip* __ apart, tore apart, tore open, \
         tore off, tore out, tore through, torn apart, torn open, torn off, torn out, \
         torn through, cave* in, smash* __ head, smash* __ face, smash* __ against, bash* __ in, \
         bash* __ head, snap* __ neck, break* __ neck, broke __ neck, crush* __ head, stomp* on, \
         stomp* __ face, gouge*, sever*, snip* off, bayonet*, mow* down, mowing down, \
         mowed down, pick* off, picking off, set on fire, douse* __ gasoline, \
         splash* __ with acid, splash* __ drain cleaner, splash* __ with bleach, \
         grenade into, bullet into, bullets into, knife into, blade into, axe into, \
         sword into, nail gun into, drill* into, bullet tearing, bullet through, shot through, \
         point blank, throw* rocks at, throw* stones at, hurl* rocks at, pelt*, \
         blow* __ head off, blew __ head off, beat* senseless, beat* unconscious, \
         kick* __ to death, drag* __ behind __ car, choke* __ until, drown* __ in __ bathtub, \
         hold* __ under water, held __ under water, run* through with, ran through with, \
         bludgeon*, pummel*, skewer*, disembowel*, \
         hack* into pieces, hacked into pieces, cut* into pieces, chop* into pieces, \
         saw* off, sawing off, sawed off, sawn off, saw* through, sawing through, \
         sawed through, drill* through, drilled through, drill* into, shatter* __ jaw, \
         shatter* __ skull, shatter* __ knee+, snap* __ arm+, snap* __ leg+, snap* __ neck, knock* __ teeth out, \
         knocked out __ teeth, pull* out __ fingernail+, rip* out __ fingernail+, \
         tear* out __ fingernail+, peel* off __ skin, peel* __ skin off, flay*, \
         hold* __ under __ water, holding __ under __ water, held __ under __ water, \
         hold* __ under the bathwater, holding __ under the bathwater, \
         push* __ head under, held __ head under, hold* __ head under, \
         kick* __ in the head, kick* __ in the face, stomp* __ head, \
         beat* __ with __ bat, beat* __ with __ pipe, beat* __ with __ hammer, \
         burn* __ with __ cigarette+, burn* __ with __ iron, brand* __ with __ iron, \
         pour* __ gasoline, pour* __ petrol, douse* __ petrol, set* __ ablaze, \
         light* __ on fire, lit __ on fire, run* over __ with __ car, run* over __ with __ truck, \
         ran over __ with __ car, ran over __ with __ truck, run* __ over with __ car, \
         ran __ over with __ car, run* __ over with __ truck, ran __ over with __ truck, \
         plow* into __ crowd, plough* into __ crowd, drive* into __ crowd, drove into __ crowd, \
         ram* into __ crowd, push* __ off __ cliff, push* __ off __ roof, pushed __ off __ roof, \
         throw* __ off __ roof, threw __ off __ roof, throw* __ off __ bridge, \
         shove* __ in front of, push* __ in front of, pushed __ in front of, bury __ alive, \
         buried __ alive, choke* out, slam* __ head, slam* __ face, slam* __ against, \
         bite* off, bit off, bites off, chew* off, eat* __ flesh, cannibaliz*, smother*, \
         asphyxiat*, garrot*, garott*, strangl*, shatter*, fractur*, pulveriz*, mangle*, \
         trample*, crucif*, impal*, decapitat*, dismember*, eviscerat*, gut* __ like, \
         string* up, strung up, shove* __ off __ roof, shove* __ off __ bridge, \
         shove* __ off __ balcony, peel* __ skin, skin __ alive, burn* __ with __ iron, \
         bur* __ alive, burying __ alive, buries __ alive, unload* __ into, empt* __ magazine into, \
         bite* chunks, bit* chunks, bites chunks, biting chunks, ram* __ into __ neck, \
         cut* __ tongue out, cut* out __ tongue, hang* __ from __ lamp post, \
         hang* __ from __ lamppost, drag* __ behind __ truck, drag* __ behind __ horse, \
         bash* __ against, face down in __ water, pour* boiling __ over, carv* up __ face, \
         carv* __ face, stomp* him, stomp* her, stomp* them, stomping him, \
         stomping her, teeth pulled out, fingernails pulled out, nails pulled out, \
         eyes pulled out, tongue cut out, hammer* nails into, nails into __ hands, \
         nail* __ hands, nailed to, fed into __ chipper, fed into __ grinder, \
         thrown into __ chipper, run over again, ran over __ again, \
         run over __ and again, spray* bullets into, spraying bullets into, \
         open* fire on, opening fire on, fire* into __ crowd, firing into __ crowd",
        "video game games @toy @sport @food @material"),
    spec(GraphicViolence, "target", 0.0, HUMAN, ""),
    // Body parts as the object of a violent act ("slices off his ear"); the owner being food,
    // an animal, a toy or a material makes it benign ("the head off a salmon").
    spec(GraphicViolence, "body_part", 0.0,
        "head+, face+, skull+, throat+, neck+, chest+, stomach+, belly, bellies, torso+, arm+, \
         leg+, finger+, toe+, ear+, eye+, eyeball+, brain+, intestine+, guts, spine+, jaw+, \
         teeth, tooth, skin, flesh, limb+, bone+, ribs, kneecap+, hand+, foot, feet, tongue+, \
         scalp+, lung+, mouth+, shoulder+, knee+, back of _ head, body, bodies, corpse+, \
         remains, kneecap+, fingernail+, eye socket+, ribcage+, rib cage+, organs, heart, \
         windpipe+, jugular, genitals, groin",
        "@food @animal @toy @material @medical"),
    // Verbs that hurt when aimed at a person or body part, but are everyday otherwise ("slices
    // bread", "drags a chair"): half a block with a person, half more with a body part.
    spec(GraphicViolence, "harm_verb", 0.0,
        "slic*, slash*, cut* out, cutting out, plunge*, smash*, stomp*, beat*, beating, whip*, \
         dragging _ from, dragged _ from, push* off, shove* off, throw* _ off, \
         pour* _ boiling, boiling oil, strangl*, choke*, burn*, scald*, stab*, batter*, \
         torture*, impale*, gouge*, crush*, bludgeon*, shoot*, shot, hack*, chop*, bash*, \
         hammer* _ into, nail* _ hands, pull* out _ teeth, pulled out _ teeth, \
         hang*, drown*, electrocut*, shatter*, fractur*, drill*, pulveriz*, mangle*, \
         smother*, asphyxiat*, garrot*, flay*, maul*, trample*, douse*, \
         ignit*, set _ ablaze, saw* off, saw* through, pummel*, clobber*, \
         bludgeon*, bash*, batter*, maim*, mutilat*, torment*, brutaliz*, brutalis*",
        "@toy @sport @food @material @medical"),
    spec(GraphicViolence, "weapon", 0.0,
        "axe+, ax, sword+, machete+, knife, knives, cleaver+, chainsaw+, bayonet+, \
         baseball bat+, hammer+, sledgehammer+, gun+, rifle+, pistol+, shotgun+, revolver+, \
         bullet+, grenade+, nail gun+, broken bottle+, pliers, acid, drain cleaner, crowbar+, tire iron+, box cutter+, \
         spear+, dagger+, blowtorch+, brick+, pickaxe+, scythe+, meat hook+, \
         hacksaw+, hack saw+, bone saw+, bonesaw+, power drill+, electric drill+, \
         circular saw+, handsaw+, meat cleaver+, ice pick+, icepick+, brass knuckle+, \
         knuckle duster+, garrote+, garotte+, piano wire, barbed wire, cattle prod+, \
         lead pipe+, iron pipe+, metal pipe+, broken glass, glass shard+, shard of glass, \
         razor+, switchblade+, shiv+, katana+, pitchfork+, flamethrower+, molotov+, \
         petrol bomb+, gasoline, petrol, lighter fluid, cinder block+",
        "@toy @food @material"),
    // Signs of graphic injury: half a block each, so two of them, or one with a person or
    // body part, are enough.
    spec(GraphicViolence, "gore_sign", 0.5,
        "blood pouring, pouring blood, blood everywhere, covered in blood, pool of blood, \
         pools of blood, soaked in blood, blood soaked, blood gushing, gushing blood, \
         blood dripping _ mouth, red paste, skull crack*, crack* _ skull, split* open, \
         head rolling, head rolls, rolling head, splatter*, brains splatter*, brains blown, \
         brains on, intestines spill*, organs spill*, skin blister*, skin peel*, flesh peel*, face melt*, faces cut away, \
         faces cut off, until _ stops moving, until _ stopped moving, until nothing is left, \
         oozing, exposed bone+, bone+ sticking out, torn flesh, ripped flesh, charred bod*, \
         screaming in agony, writhing in agony, hanging bodies, bodies hanging, \
         blood _ everywhere, guts spill*, limbs flying, flying limbs, to pieces, \
         blown to pieces, blowing _ to pieces, torn limbs, until _ bleeds, until _ bleed, \
         smashing on the pavement, splattered, drone strike+, \
         air strike+, boiling oil, broken bones, bones breaking, bone crunching, \
         skin burning, burning flesh, screams of pain, screaming in pain, to a pulp, \
         bloody pulp, beaten bloody, beat* _ bloody, wood chipper, meat grinder, \
         until _ stop* struggling, until _ stopped struggling, stop* struggling, \
         until _ stop* breathing, \
         lifeless body, lifeless bodies, bloody stump+, hacked into pieces, \
         chopped into pieces, cut into pieces, sawn into pieces, hacked to bits, \
         chopped to bits, bits of flesh, chunks of flesh, shattered jaw, jaw shattered, \
         skull shattered, shattered skull, bones shattered, teeth knocked out, brain matter, \
         bone fragment+, exposed organs, choking on _ blood, bleeding from _ eyes, \
         bleeding from _ head, mouth full of blood, blood and teeth, spitting teeth, \
         body bag+, limbless, body parts in, bodies in _ bathtub, body in _ bathtub, \
         blood in _ bathwater, screaming for mercy, begging for mercy, \
         begs for _ life, begging for _ life, pleading for _ life, bloody mess, blood running down, blood streaming, \
         dripping with blood, drenched in blood, splashed with blood, blood spray*, \
         bodies piling up, bodies pile up, piles of bodies, piled bodies, skin melt*, \
         flesh melt*, face melt*, melting face, half of _ face, face blown off, \
         face _ blown away, until _ flattened, crushed flat, flattened body, \
         acid thrown, thrown in _ face, spraying bullets, spray* bullets, \
         riddled with bullets, bullet riddled, bullet holes in _ body, execution style",
        "@food @toy @material"),
    spec(GraphicViolence, "attacker", 0.5,
        "gunman, gunmen, mass shooter+, active shooter+, sniper+, executioner+, murderer+, \
         serial killer+, axe murderer+, assassin+, terrorist+, butcherer+, torturer+, \
         psychopath+, hitman, hitmen, cannibal+, death squad+, kidnapper+, abductor+, \
         slasher+, knifeman, knifemen, stabber+, arsonist+, torture squad+, captor+",
        "game games @toy @history"),
    // ---- hate ----
    spec(Hate, "slur", 1.0,
        "nigger+, nigga+, niggas, nigg3r, kike+, spic, spics, chink+, faggot+, fag+, tranny, trannies, \
         wetback+, raghead+, towelhead+, gook+, sand nigger+, beaner+, kaffir+, coon+, \
         jungle bunny, porch monkey+, retard+, retards, dyke+, shemale+, zipperhead+, \
         camel jockey+, paki+, gyppo+, pikey+, golliwog+, sambo+, redskin+, squaw+, \
         yid+, heeb+, hymie+, wop+, dago+, polack+, jap+, nip+, slant eye+, slanteye+, \
         mongoloid+, half breed+, mulatto+, negro+, negroes, subhuman+, untermensch",
        ""),
    spec(Hate, "hate_strong", 1.0,
        "heil hitler, sieg heil, white power, white pride, white supremacy, white supremacist+, \
         kkk, ku klux klan, klansman, klansmen, gas the, ethnic cleansing, race war+, master race, \
         aryan race, holocaust denial, holocaust never happened, final solution, nazi salute+, \
         hitler salute+, lynch mob+, neo nazi+, neonazi+, antisemitic, anti semitic, \
         blackface, jews control, jewish conspiracy, zionist conspiracy, great replacement, \
         racial slur+, n word, nword, homophobic slur+, racist caricature+, racist cartoon+, racist joke+, \
         hate speech, gay bashing, gay bash*, fag bash*, queer bash*, burning cross+, \
         cross burning+, swastika _ synagogue, swastika _ mosque, 1488, jewish question, \
         kill all, death to all",
        "history historical documentary museum lesson lessons class prevention awareness against protest protesters counter memorial"),
    spec(Hate, "hate_weak", 0.5,
        "nazi+, swastika+, racist+, racism, bigot+, bigoted, hitler, inferior race+, \
         supremacist+, confederate flag+, noose+, caricature+, stereotype+",
        "history historical documentary museum lesson class archive film"),
    spec(Hate, "hate_act", 0.0,
        "exterminate*, extermination, eradicate*, wipe out, wiped out, wipes out, gas*, \
         gassing, gassed, deport* all, inferior, subhuman, vermin, parasite+, cockroach+, \
         are _ animals, are _ rats, are _ dogs, are _ pigs, are _ monkeys, are _ apes, are _ trash, \
         are _ filth, are _ disgusting, are a plague, are a disease, as _ monkey+, as _ ape+, \
         like _ monkey+, like _ ape+, as _ animal+, are _ thieves, are _ criminals, are _ rapists, like animals, like rats, like dogs, \
         like monkeys, as monkeys, as apes, as rats, as animals, as pigs, as vermin, are evil, are terrorists, are criminals, \
         should die, must die, deserve* to die, should be killed, should be shot, \
         go back to, dont belong, do not belong, get out of our, hate*, hating, despise*, \
         kill*, killing, mock*, mocking, ridicule*, humiliate*, beat up, beats up, \
         lynch*, purge*, cleanse*, ban all, banning all, \
         not human, less than human, scum, invaders, invasion, degenerate+, degenerates, \
         abomination+, should be banned, are a cancer, are ruining, replace* us, stereotypical, \
         big nose+, hooked nose+, slanted eyes, eating dogs, spit* on, spat on, \
         throw* stones at, chase* _ out, harass*, bully*, shout* slurs, yell* slurs, \
         less intelligent, more stupid, stupid, too stupid, dumb, lazy, filthy, dirty animals, \
         are dirty, thieves, thief, born thieves, criminals, savage+, savages, bloodthirsty, \
         rodent+, rat+, ape+, monkey+, pervert+, perverted, predator+, disease+, \
         disease carrier+, carry disease+, spread* disease+, drunk+, drunks, terrorist+, \
         invading, invader+, greedy, behind every war, behind every, control the media, \
         control the banks, controls the, run the world, secretly rule, fit for slavery, \
         only fit for, should be slaves, born to serve, should be deported, no _ allowed, \
         not allowed in, smelly, stink*, liars, backward, primitive, barbaric, barbarians, \
         beaten{@history}, attacked{@history}, assaulted{@history}, burn* _ koran, \
         burn* _ quran, burn* _ torah, burn* _ bible, hook nosed, hooknosed, \
         inferior to, superior to, breed like, should not vote, shouldnt vote, too stupid to, \
         should be sterilized, sterilize*, gas chamber+, ovens, oven for, back to africa, \
         go home, genetically inferior, cant be trusted, cannot be trusted, never be trusted, \
         all the same, counting money, count* _ money, money bags, moneybags, hoarding money, \
         hoard* _ gold, money grubbing, greedy, ruin* everything, destroy* our, taking our jobs, steal* our, laugh* at, laughing at, throw* _ at, \
         beating up, beaten up, beat* _ up, eat* dogs, eat* cats, eat* bats, spread* _ virus+, spread* _ disease+, \
         rapist+, drug dealer+, burn in hell, going to hell, abomination+, hateful, \
         go back where, go back to where, get out of _ country, naturally violent, \
         are violent, violent by nature, diseased, freak+, yell* at, scream* at, spit* at, \
         lower* the intelligence, lower* _ iq, low iq, lower iq, dumber, less capable, \
         less evolved, biologically inferior, \
         bring* crime, bring* _ crime, bring* disease+, bring* drugs, pollute*, \
         poison* _ blood, dilute* _ blood, mongrel*, outbreed*, \
         left to die, let _ die, should not exist, shouldnt exist, \
         should never _ born, never have been born, should be put down, put down like, \
         euthaniz*, euthanis*, get rid of, removed from society, into camps, camps for, \
         only good for, good for nothing, belong* in the kitchen, stay in the kitchen, \
         should stay home, should obey, must obey, are property, are objects, \
         should not _ work, shouldnt _ work, should not _ drive, should not _ lead, \
         no _ allowed, not welcome, not served, we dont serve, dont serve, do not serve, \
         whites only, white only, banned from, refus* to serve, refus* to rent, \
         refus* to hire, wont hire, never hire, steal* our jobs, take* our jobs, \
         took our jobs, replac* _ us, flood* _ country, infest*, cancer on, leech*, \
         freeloader+, welfare queen+, bloodsucker+, moochers, untrustworthy, treacherous, \
         devious, dishonest, sick in the head, groomers, unnatural, against nature, \
         sinful, sinners, cursed, god hates, hell awaits, cure* _ gay, conversion therapy, \
         pray the gay away, heathen+, infidel+, kafir+, christ killers, blood libel, \
         control* _ money, run* _ banks, run* hollywood, run* the media, own* _ media, \
         puppet master+, pulling the strings, secret cabal+, cabal+, globalist+, \
         new world order, white genocide, race mixing, miscegenation, racial purity, \
         inbred, inbreeding, stinking, unwashed, mock* _ accent+, slant* _ eyes, \
         pull* _ eyes, buck teeth, bucktooth, exaggerated lips, big lips, \
         bone through _ nose, monkey noise+, throw* bananas, throwing bananas, \
         monkey chant+, ape noise+, suicide vest+, bomb vest+, tent dwellers, \
         uncivilized, uncivilised, cannot assimilate, cant assimilate, \
         refuse to assimilate, driven out, drive* __ out of, belong in camps, \
         belong in __ camp+, smaller brains, small brains, sickness, locked away, \
         not be allowed to, shouldnt be allowed to, should not be allowed, better with no, \
         better without, world without, kept out of, keep __ out of our, sterilis*, \
         don t belong, doesnt belong, does not belong, \
         send them back, no place for, not a real",
        ""),
    spec(Hate, "protected", 0.0,
        "jews, jewish, jew, muslims, muslim, blacks, black people, black men, black women, \
         black person, deaf+, autistic+, down syndrome, trans girl+, trans boy+, trans kid+, african americans, gays, gay people, gay men, gay couple+, \
         homosexuals, lesbians, trans people, transgender+, trans women, trans men, \
         immigrants, refugees, migrants, mexicans, asians, chinese people, arabs, christians, \
         catholics, hindus, sikhs, gypsies, roma, romani, disabled people, the disabled, \
         wheelchair user+, latinos, hispanics, africans, foreigners, minorities, \
         people of color, black man, black woman, black boy, black girl, jewish man, \
         jewish woman, muslim man, muslim woman, gay man, gay woman, trans woman, trans man, aborigines, native americans, indigenous people, women, black family, jewish family, \
         muslim family, gay bar+, pride parade+, asian people, asian americans, arab people, \
         indians, pakistanis, somalis, haitians, palestinians, israelis, ukrainians, \
         russians, koreans, japanese people, poles, irish people, italians, autistic people, \
         deaf people, blind people, fat people, old people, elderly people, atheists, \
         black children, black kids, black families, black folks, black youths, black americans, \
         black neighbors, black students, black men, black people, blacks, black boys, black girls, \
         disabled man+, disabled woman+, disabled person+, disabled kid+, disabled child, \
         disabled children, sikh+, hindu+, arab+, mexican+, asian+, african+, gypsy, latino+, \
         latina+, immigrant+, refugee+, migrant+, lesbian+, gay, gays, transgender+, \
         trans person, trans kid+, jewish+, jews, muslim+, entire race, a race of, whole race, \
         chinese, indian, pakistani+, somali+, haitian+, roma, romani, native+, aboriginal+, \
         women, girls should, wheelchair+, disabled, the handicapped, handicapped, \
         cripple+, crippled, coloreds, colored people, colored folk+, people of colour, \
         black folk+, brown people, whites, white people, lgbt, lgbtq, lgbtqia, \
         queer people, queers, bisexual+, nonbinary, non binary, intersex, \
         buddhists, mormons, jehovahs witnesses, hindus, sikhs, jains, \
         atheists, irish people, italians, polish people, poles, travellers, irish travellers, \
         vietnamese people, filipinos, nigerians, ethiopians, syrians, afghans, iraqis, \
         iranians, turks, kurds, albanians, romanians, mexicans, puerto ricans, \
         jamaicans, bangladeshis, uyghurs, rohingya, palestinians, arabs, \
         asylum seeker+, illegals, illegal immigrant+, illegal alien+, undocumented, \
         foreign worker+, newcomers, dark skinned, darker skinned, \
         mentally disabled, mentally handicapped, obese people, overweight people, \
         homeless people, moslem+, islam, islamic, judaism, christians, catholics, \
         protestants, orthodox jew+, hasidic, rabbi+, imam+, women and girls, females",
        ""),
    // ---- self-harm ----
    spec(Hate, "worship", 0.0,
        "mosque+, synagogue+, church+, churches, temple+, gurdwara+, koran+, quran+, torah+, \
         bible+, worshipper+, worshiper+", ""),
    spec(Hate, "worship_attack", 0.0,
        "spray paint*, spray painting, graffiti, hateful, hate symbol+, hateful symbol+, \
         burn* down, burning down, burnt down, set* fire to, set* _ on fire, torch*, bomb*, \
         firebomb*, vandaliz*, vandalis*, desecrat*, desecrate*, smash* _ windows, \
         spray* swastika+, paint* swastika+, attack*, raid*, storm*",
        ""),
    spec(SelfHarm, "selfharm_strong", 1.0,
        "suicide, suicidal, commit* suicide, gun to _ own head, gun in _ own mouth, \
         gun to _ his head, gun to _ her head, gun to _ my head, pistol to _ own head, self harm, selfharm, self harming, self injury, \
         self injure, self mutilation, self mutilate, end* _ life, ending _ life, \
         take* _ own life, taking _ own life, took _ own life, kill myself, \
         slit* _ wrist+, cut* _ wrist+, slic* _ wrist+, slash* _ wrist+, cutting _ wrist+, razor* _ wrist+, noose _ neck, \
         jump* to _ death, leap* to _ death, jumped to _ death, thinspo, thinspiration, \
         pro ana, proana, pro mia, starve* _ to death, overdose* on, od on, \
         hang* _ from _ noose, hanging from _ noose, hanged himself, hanged herself, \
         want* to die, wants to die, wanting to die, cuts on _ arm+, scars on _ wrist+, \
         fresh cuts, blade _ wrist+, rope around _ neck, belt around _ neck, \
         cord around _ neck, noose around _ neck, step* off _ roof, step* off _ ledge, \
         step* off _ building, jump* off _ roof, jump* from _ roof, jump* off _ building, \
         jump* from _ building, leap* off _ building, leap* from _ building, swallow* _ pills, bottle of pills, handful of pills",
        "prevention hotline hotlines awareness lifeline helpline counselor counselors support crisis recovery charity"),
    spec(SelfHarm, "selfharm_weak", 0.5,
        "noose+, overdose*, pills, razor blade+, wrist+, cutting, scars, \
         bulimia, anorexia, anorexic, bulimic, edge of _ roof, edge of _ bridge, \
         ledge, goodbye note, suicide note",
        "awareness recovery recovering"),
    spec(SelfHarm, "reflexive", 0.0,
        "myself, himself, herself, themselves, themself, yourself, oneself, own wrist+, \
         own arm+, own head, own throat, own skin, own body, own life, \
         her forearm+, his forearm+, their forearm+, my forearm+, her wrist+, his wrist+, \
         their wrist+, my wrist+, her thigh+, his thigh+, their thigh+, my thigh+, her arm+, \
         their arm+, my arm+, her skin, their skin, my skin, own chin, own temple, \
         own neck, own leg+, own finger+, own face, own thigh+, own forearm+, own stomach, \
         own chest, own hand+, own foot, own feet, own ankle+, own hip+, own belly",
        ""),
    spec(SelfHarm, "self_act", 0.0,
        "kill*, killing, hang*, hanged, cut*, cutting, slit*, stab*, shoot*, shot, burn*, \
         starve*, poison*, overdose*, harm*, drown*, suffocate*, strangle*, mutilate*, \
         injure*, bleed*, slash*, scratch* until, press* _ blade, blade+, razor+, carv*, \
         carve*, scratch* _ raw, stub* _ cigarette, gouge*, hit*, hitting, punch*, slap*, \
         bang*, starv*, slic*, slicing, burning",
        "accidentally accident accidental"),
    // ---- names ----
    // Suicide methods and intent signals, phrased without the words "suicide" or "kill":
    // half a block each, so a method with an intent (or two methods) blocks.
    spec(SelfHarm, "sh_method", 0.5,
        "rope around _ neck, noose around, step* off _ chair, kick* _ chair away, \
         running car _ garage, closed garage, car exhaust, exhaust fumes, hose _ exhaust, \
         sleeping pills, medicine cabinet, drink* bleach, drinking bleach, swallow* bleach, \
         train tracks, railway tracks, railroad tracks, highway overpass, rail of _ bridge, \
         railing of _ bridge, edge of _ roof, edge of _ building, jump* from _ roof, \
         jump* off _ roof, jump* off _ bridge, jump* from _ bridge, stones in _ pockets, \
         rocks in _ pockets, under _ own chin, under his chin, under her chin, wrists opened, \
         wrists slit, open* _ wrists, red water, bathtub of _ blood, skin and bones, thigh gap, \
         ribs showing, throw* up after, vomit*, vomiting, stay thin, stays thin, \
         to be thin, to lose weight, make* _ throw up, painkiller+, whole bottle of, \
         entire bottle of, overdos*, leap* from _ top, jump* from _ top, leap* off, \
         parking garage, stories up, floors up, off a cliff, off _ cliff, window ledge, \
         rope _ beam, standing on a stool, around _ own neck, stockpil* _ pills, purg*, skip* meals, stopped eating, laxatives, \
         hold my weight, hold his weight, hold her weight, support my weight, \
         from the ceiling fan, from a ceiling fan, from the rafters, from a rafter, \
         from the banister, bang* _ head against, until _ bleed*, until it bleeds, \
         hides _ blade+, hiding _ blade+, sharpener blade+, bloody tissues, \
         lie* down on _ tracks, lying down on _ tracks, lay down on _ tracks, \
         walk* into _ traffic, walk* into the sea, walk* into the ocean, walk* into the river, \
         into oncoming traffic, whole bottle, all the pills, entire bottle, \
         extension cord around _ neck, break* _ own, breaking _ own, smash* _ own, \
         hit* _ own head, punch* _ own, belt around _ neck, plastic bag over _ head, \
         on _ own skin, into _ own skin, on _ own arm+, into _ own arm+, on _ own thigh+, \
         stub* _ out on _ own, stubbing _ out on _ own, \
         sealed garage, garage door _ shut, engine running _ garage, car running _ garage, \
         hose from _ exhaust, charcoal _ sealed, charcoal burner, tape* _ door, \
         taped _ windows, sealed room, pockets with stones, pockets with rocks, \
         pockets full of stones, pockets full of rocks, weigh* _ down with, weighted down, \
         in front of _ train, in front of _ subway, in front of _ bus, in front of _ truck, \
         in front of _ lorry, onto the tracks, onto the rails, platform edge, edge of the platform, \
         toward* _ oncoming train, towards _ oncoming, tie* _ noose, tying _ noose, \
         knot* _ noose, bedsheet+ _ neck, sheet+ around _ neck, scarf around _ neck, \
         cord _ closet rod, from the closet rod, from a beam, from the beam, from a hook, \
         over the railing, climb* over _ railing, climbing over _ railing, parapet, \
         rooftop edge, edge of _ rooftop, top floor _ window, balcony railing, \
         antifreeze, rat poison, weed killer, pesticide+, drink* _ poison, drinks poison, \
         swallow* _ poison, drink* _ bleach, counting out pills, count* _ pills, pills lined up, \
         lines up _ pills, empty* _ pill bottle, emptying _ pill bottle, pills _ vodka, \
         pills _ whiskey, pills _ alcohol, wash* down _ pills, washing down _ pills, \
         fistful of pills, handful of pills, all her pills, all his pills, all my pills, \
         lighter to _ own, lighter to _ arm, lighter to _ skin, cigarette to _ own, \
         cigarette burns on _ arm+, burn* _ own, burning _ own, carv* _ into _ own, \
         carving _ into _ skin, carv* _ into _ skin, carv* _ into _ arm, scratch* _ own, \
         box cutter to _ own, blade to _ own, blade to _ skin, razor to _ skin, \
         razor to _ own, fresh scars, hidden scars, long sleeves to hide, \
         fingers down _ throat, finger* down _ throat, refus* to eat, hasnt eaten, \
         has not eaten, days without eating, weeks without eating, nothing but water, \
         counting calories, pinch* _ fat, ribs _ sticking out, \
         hip bones _ showing, collarbones _ showing, starving _ thin, wasting away, \
         barrel _ mouth, barrel under _ chin, barrel against _ temple, muzzle against, \
         gun _ own temple, loaded gun _ alone, loaded pistol _ alone, \
         into the freezing water, into the icy river, into the sea _ never, \
         walk* into the lake, walking into the lake, walk* into _ waves, off the overpass, \
         leap* from __ balcony, jump* from __ balcony, leap* off __ balcony, jump* off __ balcony, \
         engine running, shut garage, wad* into, into the path of, path of __ lorry, \
         path of __ train, path of __ truck, path of __ bus, across the railway tracks, \
         across the tracks, on the tracks, sleeping tablets, make* herself vomit, \
         making herself vomit, make* himself vomit, making himself vomit, make* herself sick, \
         closet rail, closet rod, belt to __ rail, loop* __ over __ head, loop* __ around __ neck, \
         painkillers with, pills with __ vodka, drain cleaner, car park roof, \
         roof of __ car park, roof of __ parking garage, shard of glass",
        "prevention hotline awareness recovery lifeline helpline counselor support crisis"),
    spec(SelfHarm, "sh_intent", 0.5,
        "end it all, ending it all, to die, can die, never coming back, never come back, \
         let go, ready to let go, farewell letter+, farewell note+, goodbye letter+, \
         goodbye video+, goodbye message+, goodbye text+, last letter+, final letter+, \
         take them all, took them all, taking them all, swallow* them all, about to jump, \
         ready to jump, going to jump, waiting for the next train, waiting for the train, \
         feel something, no reason to live, nothing to live for, better off without me, \
         better off dead, nobody would miss, no one would miss, worthless, deliberately, \
         on purpose, want* to disappear, disappear forever, punish* herself, \
         punish* himself, punish* myself, punish* themselves, numb the pain, \
         to stop the pain, until _ faint*, until _ passes out, until _ pass out, \
         saying goodbye, says goodbye, not wake up, never wake up, all at once, \
         goodbye post+, farewell post+, farewell video+, farewell message+, \
         giving away _ belongings, gives away _ belongings, gave away _ belongings, \
         giving away _ possessions, gives away _ possessions, writes _ will, \
         no longer want* to live, doesnt want to live, does not want to live, \
         dont want to live, tired of living, tired of being alive, sick of living, \
         wont be here tomorrow, not be here tomorrow, last sunset, make it stop, \
         so the pain stops, end the pain, end her pain, end his pain, end my pain, \
         stop existing, cease to exist, fall asleep forever, sleep forever, never wake, \
         no way out, no point in living, nothing left to live for, burden to everyone, \
         everyone would be better off, the world without her, the world without him, \
         sorry for everything, wants to die, deserve* to suffer, deserve* the pain, \
         deserve* pain, hates _ own body, to be punished, as punishment, until _ numb, \
         to end it, end it, no plan to come back, nobody has to deal with, \
         no one has to deal with, while __ family sleeps, after writing __ goodbye, \
         so no one sees, where nobody can see, where no one can see, no one will find, \
         nobody will find",
        "prevention hotline awareness recovery lifeline helpline counselor support crisis"),
    spec(SelfHarm, "firearm", 0.0,
        "rifle+, gun+, pistol+, shotgun+, revolver+, barrel+, muzzle+, handgun+", ""),
    spec(SelfHarm, "sh_target", 0.0,
        "own chin, under _ chin, own temple, own mouth, his mouth, her mouth, his temple, \
         her temple, own head, in _ mouth", ""),
    // ---- sexual content involving minors: conditional cues ----
    // Intimate settings and adult presence: innocent alone, and next to a child they still
    // count only half, so a minor needs two of them ("aged 9 ... steamy shower") to block.
    cspec(SexualMinors, "minor_ctx", 0.5,
        "underwear, briefs, panties, bikini+, nightgown+, nightie+, towel, only a towel, \
         motel, motel room+, hotel room+, shower+, bath, bathtub+, bathing, steamy, \
         massag*, in bed with, into bed with, under the covers, bent over, \
         kiss* __ on the lips, kiss* __ on the mouth, on the lips, alone with, behind closed doors, \
         keep a secret, our secret, locker room+, changing room+, sleepover+, \
         sitting on _ lap, on his lap, tiny outfit+, short skirt+, crop top+, \
         makeup and heels, adult makeup, high heels, pose* like _ model, like a woman, \
         boxers, bra, slip, satin sheets, in the dark, up close, photograph* him, \
         photograph* her, film* him, film* her, shower*, showering with, bathing with, \
         pictures of _ body, photos of _ body, picture of _ body, photo of _ body, \
         in bed, sit on __ lap, keep __ secret, secret games, \
         send* _ pictures, sending _ photos, webcam, private chat, dm+, direct message+",
        "minor|child_hint"),
    // Settings that are ordinary for a child alone or with family, but not with an unrelated
    // adult: they count only when both a minor and an adult cue are present.
    cspec(SexualMinors, "adult_ctx", 0.5,
        "dating, his bedroom, back to his, spend* the night, spending the night, \
         stay* the night, overnight, hotel, his trailer, his van, his apartment, his car, \
         in private, alone together, pictures without, without _ shirt, without _ clothes, \
         while _ change, changing, change and shower, undo* _ belt, undoing _ belt, unbuckl*, \
         clothes on the floor, hand down, hand __ pants, hand+ inside, filming, films, \
         secret camera+, hidden camera+, touching, touch*, strok*, caress*, gifts, \
         in exchange for, pays, paying, money, sleeping bag, same bed, sharing a bed, \
         tickl*, wrestl*, massag*, lap, alone, locked door, lock* the door, secret, \
         do not tell, dont tell, promise not to tell, nobody has to know, video call+",
        "adult&minor|child_hint"),
    cspec(SexualMinors, "adult", 0.5,
        "grown man+, grown men, grown woman+, adult, adults, adult man+, adult men, older man+, \
         older men, old man+, old men, stranger+, coach+, teacher+, boyfriend+, his hands, \
         middle aged man, middle aged men, photographer+, audience of _ men, uncle+, \
         youth pastor+, pastor+, priest+, choirmaster+, tutor+, camp counsellor+, camp counselor+, scout leader+, \
         scoutmaster+, landlord+, neighbor+, neighbour+, stepfather+, \
         stepdad+, mother s boyfriend, moms boyfriend, man online, men online, \
         year old man, year old men, man in his forties, man in his fifties, \
         man in his thirties, man in his sixties, older guy+, sugar daddy",
        "minor|child_hint"),
    spec(SexualMinors, "child_hint", 0.0,
        "pigtails, lunchbox+, lunch box+, school uniform+, schoolbag+, school bag+, \
         teddy bear+, lollipop+, pacifier+, diaper+, training bra+, braces, pageant girl+, \
         child pageant+, little pageant+, playground", ""),
    // ---- sexual content: suggestive cues ----
    // Each is innocent alone ("steamy shower", "passion"); two of them together block.
    spec(Sexual, "sex_hint", 0.5,
        "moan*, throes of passion, passionate*, steamy, tangled in _ sheets, bodies pressed, \
         bodies entwined, bare chest+, bare bosom+, bosom+, bare curves, cleavage, \
         negligee+, see through, seethrough, sheer, skimpy, revealing, peel* off _ dress, peel* off _ clothes, peel* off _ top, \
         nothing underneath, showing everything, in full view, spread* _ thighs, \
         top pulled down, pulls down _ top, tear* off _ clothes, tearing off _ clothes, \
         rip* off _ clothes, unbutton*, wet t shirt, shirts come off, glistening, oiled, \
         crawl* toward the camera, nothing to the imagination, lovers, pushing her onto, \
         onto the bed, clothes scattered, clothes on the floor, \
         writhing, panting, sweaty bodies, bedroom eyes, licking _ lips, bites _ lip, \
         biting _ lip, straddl*, grinding, gyrat*, sultry, busty, curvy, bare skin, \
         skin to skin, touching herself, touching himself, wearing nothing, hardly anything on, \
         barely covering, barely covered, barely dressed, scantily clad, scantily, \
         undressing each other, kissing and undressing, bare body, bare bodies, \
         kisses down, kissing down, lift* _ skirt, lifting _ skirt, no underwear, \
         without underwear, breathing heavily, heavy breathing, riding _ in bed, \
         in bed together, naked together, touching each other, feeling up, \
         hands all over, hand on _ thigh, hands on _ thighs, between _ thighs, \
         wide open, blouse open, shirt open, nothing but stockings, nothing but heels, \
         bent over _ bed, bare backside, bare behind, swimsuits off, clothes off, \
         fooling around, pressing against, pants down, \
         dominatrix, dominatrixes, submissive+, leather straps, tied to _ bed, \
         handcuffed to _ bed, cuffed to _ bed, chained to _ bed, spank*, ball gag+, \
         gimp suit+, latex catsuit+, collar and leash, kinky, frisky, naughty, \
         piece by piece, one piece at a time, item by item, costume coming off, \
         clothes coming off, outfit coming off, dress coming off, uniform coming off, \
         unhook* _ bra, bra strap+, drop* _ towel, let* _ towel fall, slip* out of _ dress, \
         slip* _ straps, straps slipping, peep show+, pasties, nipple tassel+, g string+, \
         garter+, garter belt+, happy ending, between the sheets, netflix and chill, \
         booty call+, roll in the hay, bump and grind, walk of shame, pole danc*, \
         burlesque, boudoir, lace bra+, lacy underwear, lacy bra+, body oil, oiled up, \
         rubdown, sensual massage+, erotic massage+, massage parlor+, massage parlour+, \
         red light district, brothel+, bordello+, shows off _ body, flaunt* _ body, \
         on top of him, on top of her, climbs on top, climb* on top, \
         legs wrapped around, wraps _ legs around, pulls him onto, pulls her onto, \
         unzip* _ dress, drop* _ robe, robe falls open, robe slipping, shirt unbuttoned, \
         soaked t shirt, wet t shirt, sugar daddy, sugar daddies, mistress+, \
         call girl+, bachelor party, stag party, private dance+, private show+, \
         for _ paying customer+, fishnet+, silk sheets, satin sheets, bed creaking, \
         sex appeal, \
         seduction, seduces, temptress, vixen+, minx+, bombshell+, nymph+, \
         playboy, playmate+, centerfold+, centrefold+, cheesecake photo+",
        ""),
    spec(Sexual, "sex_explicit", 1.0,
        "pleasur* herself, pleasur* himself, pleasur* themselves, pleasur* each other, \
         private parts, privates, erect member+, his member, climax*, doggy style, doggystyle, \
         performing oral, perform* oral, going down on, adult film+, adult video+, \
         adult movie+, amateur porn, x rated, doing it doggy, sixty nine, 69 position, \
         missionary position, cowgirl position, reverse cowgirl, undressing each other, \
         rubbing _ crotch, touching _ crotch, grab* _ crotch, sex toy+, vibrator+, \
         wet dream+, one night stand _ bed, hooking up _ bed, quickie+, \
         having a quickie, ride* him, riding him, ride* her, riding her, consummat*, \
         giving _ head, gives _ head, fingering, fingered, hooking up, hook* up in, \
         pants down _ against, fooling around _ off, massage with a happy ending, \
         happy ending massage+, nude massage+, strip show+, strip poker, stripping for, \
         wet t shirt contest+, peep show booth+, sex club+, swingers club+, swinger+, \
         sex dungeon+, gloryhole+, glory hole+, cybersex, phone sex, webcam show+, \
         cam show+, nude modeling, nude modelling, posing nude, poses nude, pose* naked",
        "@medical"),
    spec(Sexual, "going_at_it", 0.0, "going at it, doing it, went at it, go at it", ""),
    // ---- public figures described without their name ----
    spec(PublicFigures, "office", 0.0,
        "president+, prime minister+, chancellor+, king+, queen+, pope, ceo+, founder+, \
         first lady, supreme leader+, vice president+, dictator+, premier+, monarch+, \
         crown prince+, prince+, princess+, head of state, chairman+, chairwoman+, \
         leader+, speaker of the house, secretary of state, senator+, governor+, \
         mayor+, ayatollah+, emperor+, tsar+, richest man, richest woman, richest person, \
         secretary general+, director general+, chief justice+, attorney general+, \
         defense secretary+, defence secretary+, foreign minister+, foreign secretary+, \
         home secretary+, finance minister+, first minister+, archbishop+, patriarch+, \
         grand ayatollah+, crown princess+, heir to the throne, royal family, \
         opposition leader+, party leader+, presidential candidate+, presidential nominee+, \
         chief executive+, cofounder+, co founder+, chief rabbi+, grand mufti+, \
         general secretary+, commander in chief, head of government, head of the church",
        ""),
    spec(PublicFigures, "polity", 0.0,
        "of the united states, of the us, usa, american, of america, of russia, russian, \
         british, of britain, uk, of the uk, of england, english, french, of france, german, \
         of germany, chinese, of china, indian, of india, ukrainian, of ukraine, north korean, \
         of north korea, israeli, of israel, turkish, of turkey, brazilian, of brazil, \
         canadian, of canada, mexican, of mexico, italian, of italy, japanese, of japan, \
         argentine, of argentina, iranian, of iran, saudi, of saudi arabia, australian, \
         spanish, of spain, hungarian, polish, of facebook, of meta, of tesla, of spacex, \
         of amazon, of apple, of microsoft, of google, of twitter, of openai, \
         of nvidia, current, former, late, 40th, 41st, 42nd, 43rd, 44th, 45th, 46th, 47th, \
         in the world, on earth, white house, kremlin, downing street, vatican, buckingham, \
         of the united nations, united nations, of the un, the un, nato, of nato, \
         of the eu, european union, european commission, of the imf, of the world bank, \
         world health organization, of the who, federal reserve, of the fed, of canterbury, \
         of the catholic church, catholic church, church of england, supreme court, \
         of congress, of the senate, of parliament, of pakistan, pakistani, of egypt, \
         egyptian, of south africa, south african, of nigeria, nigerian, of kenya, of poland, \
         of sweden, swedish, of norway, norwegian, of the netherlands, of belgium, \
         of greece, of portugal, of venezuela, venezuelan, of cuba, cuban, of syria, \
         syrian, of iraq, of afghanistan, of belarus, of serbia, of south korea, \
         south korean, of taiwan, of vietnam, of the philippines, of indonesia, \
         of thailand, of new zealand, of ireland, irish, of scotland, scottish, of wales, \
         of austria, of switzerland, of denmark, of finland, of chile, of colombia, \
         of peru, of monaco, of jordan, of qatar, of the uae, of morocco, of ethiopia, \
         of hungary, of the czech republic, of romania, of bulgaria, of croatia, \
         of the palestinian authority, of hamas, of hezbollah, of the taliban, \
         of microsoft, of berkshire, of alibaba, of tiktok, of bytedance, of samsung, \
         of the roman catholic church, of the anglican church, of the mormon church",
        ""),
    spec(PublicFigures, "figure_desc", 1.0,
        "the pope, the actor who played, the actress who played,          the owner of twitter, the owner of x, deepfake+, deep fake+, deepfaked, \
         lookalike of, look alike of, impersonat* _ president",
        "costume costumes chess cards deck bee bees ant ants @toy"),
    spec(PublicFigures, "figure", 1.0, names::PUBLIC_FIGURES, ""),
    spec(CharactersBrands, "brand", 1.0, names::CHARACTERS_BRANDS, "style styled inspired esque"),
    // "<someone> from <franchise>", a product with its logo.
    spec(CharactersBrands, "brand_hint", 0.5,
        "logo+, logos, trademark+, swoosh, mascot+, branded, brand name+, clearly visible, \
         official merch+, from the movie, from the film, from the show, from the game, \
         from the cartoon, from the anime, from the comic+, from the series",
        ""),
];

pub const PAIRS: &[Pair] = &[
    Pair {
        category: SexualMinors,
        a: "minor",
        b: "sexual_any",
        window: 14,
        weight: 1.0,
        why: "a minor together with sexual or nudity terms",
    },
    Pair {
        category: Sexual,
        a: "nudity",
        b: "human",
        window: 8,
        weight: 1.0,
        why: "a person described as nude or undressing",
    },
    Pair {
        category: Sexual,
        a: "sex_weak",
        b: "human",
        window: 6,
        weight: 1.0,
        why: "sexualised description of a person",
    },
    Pair {
        category: GraphicViolence,
        a: "violent_act",
        b: "target",
        window: 6,
        weight: 1.0,
        why: "violence against a person",
    },
    Pair {
        category: Hate,
        a: "hate_act",
        b: "protected",
        window: 7,
        weight: 1.0,
        why: "hostility toward a protected group",
    },
    Pair {
        category: Hate,
        a: "hate_weak",
        b: "protected",
        window: 8,
        weight: 1.0,
        why: "hate symbol or slur context with a protected group",
    },
    Pair {
        category: Hate,
        a: "worship_attack",
        b: "worship",
        window: 6,
        weight: 1.0,
        why: "an attack on a place of worship",
    },
    Pair {
        category: Hate,
        a: "hate_weak",
        b: "worship",
        window: 8,
        weight: 1.0,
        why: "hate symbols at a place of worship",
    },
    Pair {
        category: SelfHarm,
        a: "reflexive",
        b: "self_act",
        window: 3,
        weight: 1.0,
        why: "a person harming themselves",
    },
    pair(
        SexualMinors,
        "child_hint",
        "sexual_any",
        14,
        1.0,
        "a child (by appearance) together with sexual or nudity terms",
    ),
    pair(Sexual, "going_at_it", "human", 4, 1.0, "people having sex"),
    pair(
        GraphicViolence,
        "violent_act",
        "body_part",
        5,
        1.0,
        "violence to a body",
    ),
    pair(
        GraphicViolence,
        "weapon",
        "body_part",
        6,
        0.5,
        "a weapon at a body part",
    ),
    pair(
        GraphicViolence,
        "harm_verb",
        "target",
        5,
        0.5,
        "a person being hurt",
    ),
    pair(
        GraphicViolence,
        "harm_verb",
        "body_part",
        4,
        0.5,
        "a body part being hurt",
    ),
    pair(
        GraphicViolence,
        "weapon",
        "target",
        5,
        0.25,
        "a weapon used on a person",
    ),
    pair(
        GraphicViolence,
        "gore_sign",
        "target|body_part",
        8,
        0.5,
        "an injured person",
    ),
    pair(
        GraphicViolence,
        "attacker",
        "target",
        8,
        0.5,
        "an attacker and victims",
    ),
    pair(
        SelfHarm,
        "firearm",
        "sh_target",
        4,
        1.0,
        "a gun pointed at oneself",
    ),
    pair(
        PublicFigures,
        "office",
        "polity",
        3,
        1.0,
        "a real office holder described by title",
    ),
];

/// Ordinary short English words: split fragments made only of these are not re-joined
/// ("be head" stays two words, while "be-head" and "nu de" are joined).
pub const COMMON_WORDS: &str = "a an the and or but if of at by for with about against between into \
    through during before after above below to from up down in out on off over under again then \
    once here there when where why how all any both each few more most other some such no nor not \
    only own same so than too very can will just should now is are was were be been being have has \
    had do does did i me my we our you your he him his she her it its they them their what which \
    who whom this that these those am as until while go goes went man men woman women boy girl \
    head heads hand hands arm arms leg legs foot feet eye eyes ear ears nose face back side top end \
    pen is it as at us so no on go to do be we he me my by ox ax oh ah hi ho ha pa ma one two \
    six ten red big old new hot cat dog sun sea sky car bus bed box toy hat cup egg ice bag pie \
    tea art day way time year home room tree fish bird cake ball game play run sit walk talk look \
    see say get put let make take give come keep turn show help call ask move live feel try leave \
    work need mean tell set lie lay cut hit win eat air ant ape arc arm ash awe bat bay bee bow cab \
    can cap cow cry dam den dew dig dot dry due ear elf elk elm era eve ewe fan far fat fee fig fin \
    fit fix fly fog fox fun fur gap gas gel gem gum gun guy gym hay hen hip hog hop hub hug hum hut \
    ink inn jam jar jaw jet jog joy key kid kit lab lap law leg lid lip log low mad map mat mix mob \
    mop mud mug nap net nut oak oar oat odd oil owl pad pan paw pea peg pet pig pin pit pot pub pun \
    rag ram rat raw ray rib rid rim rod row rub rug rye sad sap saw sew shy sip ski sly sob sow soy \
    spa spy tab tag tan tap tar tax tie tin tip toe ton tub tug van vet vow wag war web wet wig wit \
    yak yam zip zoo ahead bead read real lead dead deal meal heal seal skin";

/// Benign neighbours per word: a match whose first word is `word` (any inflection) is ignored
/// when one of these words is within three words of it ("killer whale", "shoot a basketball").
pub const WORD_EXCEPTIONS: &[(&str, &str)] = &[
    ("naked", "mole rat rats eye eyes flame flames truth tree trees branch branches wire wires bulb bulbs"),
    ("nude", "flats ballet sandals pumps boots color colour colored coloured lipstick heels heel shoes shoe palette tone tones shade shades beige pantyhose makeup nail nails polish blush paint"),
    ("topless", "car cars convertible bus jeep"),
    ("strip", "comic mall land bacon led light lights paper steak vegas runway airstrip film wallpaper paint varnish bed sheets wood furniture bark tape wire insulation chair"),
    ("stripping", "comic paint varnish bed sheets wallpaper wood furniture bark wire insulation chair"),
    ("stripped", "comic paint varnish bed sheets wallpaper wood furniture bark wire insulation chair"),
    ("undress", "doll dolls mannequin mannequins"),
    ("undressed", "doll dolls mannequin mannequins"),
    ("sex", "pistols education ed chromosome chromosomes determination determining determine determined opposite same chick chicks puppy puppies kitten kittens gender cells cell offender offenders biologist vet turtle turtles bird birds fish identify identifying"),
    ("breast", "chicken turkey duck cancer feeding stroke milk pump"),
    ("tits", "blue great coal bird birds feeder nest"),
    ("cock", "rooster hen hens farm fight fights fighting crow crows crowing weather"),
    ("pussy", "cat cats kitten willow"),
    ("erotic", "novel novels book books bookstore literature poetry"),
    ("explicit", "instructions instruction lyrics label statement"),
    ("rape", "seed seeds field fields canola oil yellow flowers"),
    ("cum", "laude summa magna"),
    ("lingerie", "ad billboard store shop window display mannequin mannequins catalog"),
    ("sexy", "car cars"),
    ("gore", "al tex vidal bull bulls rhino rhinos"),
    ("blood", "orange oranges moon drive donation donor donors test type pressure cell cells bank sugar vessel vessels sample samples transfusion"),
    ("bloody", "mary"),
    ("bleed", "heart edge nose"),
    ("bleeding", "heart edge nose"),
    ("murder", "crows crow mystery mysteries party board game games novel book podcast"),
    ("kill", "whale whales time lights light engine switch app outfit smile look process joke mood buzz dressed mockingbird it stage concert performance band show mosquito mosquitoes mosquitos bug bugs germs bacteria weeds weed pests pest flies fly"),
    ("killing", "time mosquito mosquitoes bug bugs germs bacteria weeds weed pests pest flies fly it"),
    ("shoot", "marbles marble basket baskets basketball ball balls hoop hoops photo photos photographer photograph camera cameras film filming movie scene video portrait portraits footage sunset commercial goal goals puck star stars pool breeze bamboo sprout sprouts plant plants seedling seedlings leaves garden soil fashion range gallery target targets clay selfie laser paintball nerf water toy squirt dart darts documentary vlog episode interview wedding tutorial ad advert advertisement reel arrow arrows archery bow bullseye skeet free throw jumper three pointer"),
    ("shooting", "star stars range gallery target targets clay skeet hoops basketball photo photos film movie scene video guard practice"),
    ("shot", "look glance film camera movie photo wide close closeup aerial tracking espresso tequila vodka whiskey flu vaccine booster"),
    ("is", "film camera movie 35mm digital drone iphone location"),
    ("was", "film camera movie 35mm digital drone iphone location"),
    ("execute", "dive flip backflip jump move plan trick turn maneuver pass routine spin kick order program code task perfect flawless museum axe display"),
    ("execution", "dive flip backflip jump move plan trick turn maneuver pass routine spin kick order program code task perfect flawless museum axe display"),
    ("stab", "at fork forks @food"),
    ("chop", "@food @material"),
    ("slice", "@food @material"),
    ("hack", "@food @material"),
    ("carve", "@food @material"),
    ("smash", "@food @material @toy"),
    ("crush", "@food @material @toy"),
    ("tear", "@food @material @toy"),
    ("rip", "@food @material @toy"),
    ("splatter", "paint paints painting painter canvas mud @food"),
    ("slash", "grass brush weeds through prices price sale budget costs cost waves"),
    ("slit", "skirt dress gown eyes eye window opening envelope"),
    ("torture", "chamber museum device devices exhibit"),
    ("beat", "eggs egg batter cream drum drums path chess heart game"),
    ("beaten", "eggs egg batter cream path"),
    ("butcher", "shop counter deli meat steak steaks"),
    ("lynch", "david"),
    ("hang", "painting paintings portrait photo picture pictures laundry clothes clothesline coat coats hat hats jacket hammock wall walls decorations lanterns lights upside bars out"),
    ("cut", "shaving shave slice slices piece pieces portion portions hair bangs fringe nails grass lawn hedge loose free cake bread paper wood ribbon fabric cloth cheese meat steak vegetables onion onions tomato carrot board @food @material"),
    ("cutting", "shaving shave slice slices piece pieces portion portions hair bangs fringe nails grass lawn hedge loose free cake bread paper wood ribbon fabric cloth cheese meat steak vegetables onion onions tomato carrot board @food @material"),
    ("burn", "stove oven pan pot iron tea coffee sun sunburn toast chef cook cooking kitchen grill candle candles calories"),
    ("attack", "goal net basket"),
    ("bomb", "bath photo"),
    ("gas", "station stove grill pedal tank mask leak fumes flame"),
    ("raid", "fridge refrigerator pantry"),
    ("swastika", "hindu hindus buddhist buddhists temple temples diwali ancient mosaic jain"),
    ("nazi", "grammar soup"),
    ("noose", "lasso cowboy rodeo rope knot guide sailing"),
    ("pills", "vitamin vitamins doctor pharmacy pharmacist prescribed counting"),
    ("wrist", "watch bracelet bracelets band wristband"),
    ("suicide", "squad prevention hotline hotlines awareness lifeline helpline doors door counselor counselors support crisis hope recovery help charity memorial month lemming lemmings"),
    ("drown", "work paperwork sorrow sorrows debt noise out music"),
    ("coon", "raccoon hound hounds cigarette"),
    ("spic", "span"),
    ("nip", "tuck cold bud"),
    ("dyke", "dutch dam flood"),
    ("retard", "flame flames fire growth"),
    ("negro", "river rio"),
    ("chink", "armor armour light wall"),
    ("to", "bored scared scares scaring laugh laughs laughing laughed tickled worried freezing frozen loved love sick tired"),
    ("lego", "like style type inspired"),
];

/// Benign-context classes, referenced as `@name` in exception lists: a violent verb next to
/// food, sports gear, toys or materials is cooking, sport, play or work ("hacks a pork
/// shoulder apart", "a chainsaw cutting through a log").
pub const CLASSES: &[(&str, &str)] = &[
    (
        "food",
        "fish salmon tuna trout cod shrimp shrimps prawn prawns lobster lobsters crab \
        crabs chicken chickens turkey pork beef lamb steak steaks meat ham bacon sausage \
        sausages roast fillet fillets potato potatoes tomato tomatoes onion onions carrot \
        carrots vegetable vegetables veggies fruit apple apples melon melons watermelon \
        pumpkin pumpkins bread loaf cake pie cheese dough egg eggs pizza sandwich pineapple \
        coconut coconuts lettuce cabbage garlic sauce soup butter chocolate candy cucumber \
        pepper peppers mango banana lemon lemons orange oranges squid octopus oyster oysters \
        clam clams mussels kebab ribs brisket \
        tofu noodles pasta dumpling dumplings sushi burger burgers hotdog",
    ),
    (
        "sport",
        "ball balls basketball football soccer baseball puck goal goalie keeper net \
        hoop hoops court match game tournament league referee mat tackle tackles \
        quarterback striker pitcher batter boxer boxers boxing wrestler wrestlers wrestling \
        fencer fencers fencing karate judo taekwondo sparring spar rugby hockey tennis golf \
        serve dunk penalty championship olympic olympics team player players stadium ring \
        opponent opponents inning touchdown volleyball dodgeball paintball laser tag",
    ),
    (
        "toy",
        "toy toys doll dolls puppet puppets plush stuffed teddy lego figurine figurines \
        costume costumes halloween prop props fake pretend pretends pretending magician \
        trick nerf foam pillow pillows snowball snowballs balloon balloons cartoon animated \
        videogame zombie zombies mannequin mannequins scarecrow dummy dummies statue \
        statues robot robots plastic cardboard",
    ),
    (
        "material",
        "log logs wood wooden lumber plank planks board boards trunk stump \
        firewood tire tires pipe pipes metal steel sheet sheets paper \
        fabric cloth ice marble clay shingles nail nails tile tiles drywall hedge bush \
        bushes",
    ),
    (
        "animal",
        "fish salmon shark sharks lion lions lioness zebra zebras elk deer gazelle \
        antelope seal seals mouse mice rat rats bird birds insect insects bug bugs mantis \
        spider snake snakes frog frogs crab prey carcass cow cows pig pigs sheep goat goats \
        horse horses puppy kitten dinosaur dinosaurs beetle worm worms chicken chickens \
        turkey duck ducks hen lobster wildebeest buffalo bison moose boar",
    ),
    (
        "medical",
        "surgeon surgeons surgery doctor doctors nurse nurses hospital dentist \
        paramedic paramedics medic clinic stitches stitching stitch bandage bandages \
        bandaging cast xray operating therapist physiotherapist vaccine injection vet \
        veterinarian examining exam checkup anatomy",
    ),
    (
        "history",
        "history historical documentary museum memorial reenactment exhibit \
        archive archival remembrance lesson lessons textbook",
    ),
];
